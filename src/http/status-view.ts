import type { AgentStatus } from '../agent.js';

/**
 * One secret as /status.json reports it. JSON has no Infinity, so "never expires" is spelled
 * out in `lease` instead of hiding in a magic number. Timing and health only: no values, no tokens.
 */
export interface SecretView {
  readonly name: string;
  readonly engine: string;
  /** The paths of the files drawn from this secret, comma-separated. */
  readonly file: string;
  readonly ready: boolean;
  /** pending: nothing on disk yet; unleased: e.g. kv v2, never expires; leased: see expiresAt. */
  readonly lease: 'pending' | 'unleased' | 'leased';
  /** Epoch ms when the lease (or the token it hangs on) ends; null unless `lease` is leased. */
  readonly expiresAt: number | null;
  readonly renewable: boolean | null;
  /** KV v2 version on disk, when the engine has versions. */
  readonly version: number | null;
  readonly lastWriteAt: number | null;
  readonly lastRenewalAt: number | null;
  readonly lastError: string | null;
  /** False when the output mount does not update atime (noatime): app reads cannot be seen. */
  readonly accessTracked: boolean;
  /** Epoch ms the version now on disk was written (its mtime), once the tracker has seen it. */
  readonly versionWrittenAt: number | null;
  /** Epoch ms of the app's first read of that version; null while unread. */
  readonly appReadAt: number | null;
}

/** One output file: whether it holds its secrets' current data, and whether the app read it. */
export interface FileView {
  readonly file: string;
  readonly secrets: readonly string[];
  readonly format: string;
  readonly upToDate: boolean;
  readonly lastWriteAt: number | null;
  readonly lastError: string | null;
  readonly accessTracked: boolean;
  readonly versionWrittenAt: number | null;
  readonly appReadAt: number | null;
}

export interface StatusView {
  /** The agent's clock (epoch ms) when this was taken; browsers count down from it, not from their own clock. */
  readonly now: number;
  readonly ready: boolean;
  readonly token: 'none' | 'never-expires' | 'expires';
  /** Epoch ms; null unless `token` is expires. */
  readonly tokenExpiresAt: number | null;
  readonly authError: string | null;
  readonly secrets: readonly SecretView[];
  readonly files: readonly FileView[];
}

export function toStatusView(status: AgentStatus, now: number): StatusView {
  const expiry = status.tokenExpiresAt;
  return {
    now,
    ready: status.ready,
    token: expiry === undefined ? 'none' : Number.isFinite(expiry) ? 'expires' : 'never-expires',
    tokenExpiresAt: expiry !== undefined && Number.isFinite(expiry) ? expiry : null,
    authError: status.authError ?? null,
    secrets: status.secrets.map((secret) => {
      const files = status.files.filter((file) => secret.files.includes(file.file));
      const reads = appReadsOf(files);
      const lease = secret.expiresAt === undefined ? 'pending' : Number.isFinite(secret.expiresAt) ? 'leased' : 'unleased';
      return {
        name: secret.name,
        engine: secret.engine,
        file: files.map((file) => file.path).join(', '),
        ready: secret.ready,
        lease,
        expiresAt: lease === 'leased' ? secret.expiresAt! : null,
        renewable: secret.renewable ?? null,
        version: secret.version ?? null,
        lastWriteAt: secret.lastWriteAt ?? null,
        lastRenewalAt: secret.lastRenewalAt ?? null,
        lastError: secret.lastError ?? null,
        ...reads,
      };
    }),
    files: status.files.map((file) => ({
      file: file.file,
      secrets: file.secrets,
      format: file.format,
      upToDate: file.upToDate,
      lastWriteAt: file.lastWriteAt ?? null,
      lastError: file.lastError ?? null,
      accessTracked: file.accessTracked,
      versionWrittenAt: file.versionWrittenAt ?? null,
      appReadAt: file.appReadAt ?? null,
    })),
  };
}

/** A secret counts as read once the app has read every file drawn from it (a key without its certificate is no use). */
function appReadsOf(files: AgentStatus['files']): Pick<SecretView, 'accessTracked' | 'versionWrittenAt' | 'appReadAt'> {
  const tracked = files.length > 0 && files.every((file) => file.accessTracked);
  const written = files.map((file) => file.versionWrittenAt);
  const reads = files.map((file) => file.appReadAt);
  const all = <T>(values: Array<T | undefined>): values is T[] => values.every((value) => value !== undefined);
  return {
    accessTracked: tracked,
    versionWrittenAt: tracked && all(written) ? Math.max(...written) : null,
    appReadAt: tracked && all(reads) ? Math.max(...reads) : null,
  };
}
