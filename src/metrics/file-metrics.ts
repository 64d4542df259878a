import type { Registry } from 'prom-client';
import type { FileSnapshot } from './recorder.js';
import { registerSnapshotGauge } from './snapshot-gauge.js';

/**
 * Per output file, computed at scrape time: is it current, and did the app read it? App reads
 * come from atime under relatime (the first read of each written version); the access gauges
 * are absent on mounts that do not update atime, where "unread" could not be told from
 * "unknown". `secret` names the secret(s) the file is drawn from, comma-separated.
 */
export function createFileMetrics(registry: Registry, files: () => Iterable<FileSnapshot>, now: () => number): void {
  const labels = (file: FileSnapshot) => ({ secret: file.secrets.join(','), file: file.file });
  const tracked = function* () {
    for (const file of files()) {
      if (file.accessTracked && file.versionWrittenAt !== undefined) yield file as FileSnapshot & { versionWrittenAt: number };
    }
  };

  registerSnapshotGauge(registry, {
    name: 'vaultlet_file_up_to_date',
    help: 'Whether the file holds the current data of its secrets (1) or its last render or write failed and an older version (or nothing) is there (0).',
    labelNames: ['secret', 'file'],
    *series() {
      for (const file of files()) yield [labels(file), file.upToDate ? 1 : 0];
    },
  });

  registerSnapshotGauge(registry, {
    name: 'vaultlet_secret_app_read',
    help: 'Whether the app has read the current version of the secret file since it was written (1) or not yet (0).',
    labelNames: ['secret', 'file'],
    *series() {
      for (const file of tracked()) yield [labels(file), file.appReadAt === undefined ? 0 : 1];
    },
  });

  registerSnapshotGauge(registry, {
    name: 'vaultlet_secret_app_read_delay_seconds',
    help: 'Seconds from writing the current version of the secret file to the app first reading it; absent while unread. After a rotation: how long the app kept using the old credential.',
    labelNames: ['secret', 'file'],
    *series() {
      for (const file of tracked()) {
        if (file.appReadAt !== undefined) yield [labels(file), Math.max(0, (file.appReadAt - file.versionWrittenAt) / 1000)];
      }
    },
  });

  registerSnapshotGauge(registry, {
    name: 'vaultlet_secret_unread_seconds',
    help: 'Seconds the current version of the secret file has been waiting for the app to read it; 0 once read. After a rotation, how long the app has kept using the old credential at most.',
    labelNames: ['secret', 'file'],
    *series() {
      const at = now();
      for (const file of tracked()) yield [labels(file), file.appReadAt === undefined ? Math.max(0, (at - file.versionWrittenAt) / 1000) : 0];
    },
  });
}
