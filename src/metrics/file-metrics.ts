import type { Registry } from 'prom-client';
import type { FileSnapshot } from './recorder.js';
import { registerSnapshotGauge } from './snapshot-gauge.js';

type Tracked = FileSnapshot & { versionWrittenAt: number };

/**
 * Per output file, computed at scrape time: is it current, and did the app read it? App reads
 * come from atime under relatime (the first read of each written version); the access gauges
 * are absent on mounts that do not update atime, where "unread" could not be told from
 * "unknown", and for files configured with track_reads: false.
 *
 * A file drawn from several secrets (a template) has one series per secret, each with the
 * file's value, so every series joins `on (secret)` with the secret's own metrics; alerts on
 * files take `max without (secret)` to report the file once.
 */
export function createFileMetrics(registry: Registry, files: () => Iterable<FileSnapshot>, now: () => number): void {
  const fileGauge = (name: string, help: string, value: (file: FileSnapshot) => number | undefined) =>
    registerSnapshotGauge(registry, {
      name,
      help,
      labelNames: ['secret', 'file'],
      *series() {
        for (const file of files()) {
          const v = value(file);
          if (v === undefined) continue;
          for (const secret of file.secrets) yield [{ secret, file: file.file }, v] as const;
        }
      },
    });
  const tracked = (file: FileSnapshot): file is Tracked => file.accessTracked === true && file.versionWrittenAt !== undefined;

  fileGauge(
    'vaultlet_file_up_to_date',
    'Whether the file holds the current data of its secrets (1) or its last render or write failed and an older version (or nothing) is there (0).',
    (file) => (file.upToDate ? 1 : 0),
  );
  fileGauge(
    'vaultlet_secret_app_read',
    'Whether the app has read the current version of the secret file since it was written (1) or not yet (0).',
    (file) => (tracked(file) ? (file.appReadAt === undefined ? 0 : 1) : undefined),
  );
  fileGauge(
    'vaultlet_secret_app_read_delay_seconds',
    'Seconds from writing the current version of the secret file to the app first reading it; absent while unread. After a rotation: how long the app kept using the old credential.',
    (file) => (tracked(file) && file.appReadAt !== undefined ? Math.max(0, (file.appReadAt - file.versionWrittenAt) / 1000) : undefined),
  );
  fileGauge(
    'vaultlet_secret_unread_seconds',
    "Seconds since the oldest version of the secret file the app has not read was written (the current one, or an earlier one when the versions since went unread too); 0 once the current version is read. How long the app may have been using an outdated credential.",
    (file) => {
      if (!tracked(file)) return undefined;
      if (file.appReadAt !== undefined) return 0;
      return Math.max(0, (now() - (file.unreadSince ?? file.versionWrittenAt)) / 1000);
    },
  );
}
