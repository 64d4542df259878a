import type { AgentStatus } from '../agent.js';

/**
 * One secret as /status.json reports it. JSON has no Infinity, so "never expires" is spelled
 * out in `lease` instead of hiding in a magic number. Timing and health only: no values, no tokens.
 */
export interface SecretView {
  readonly name: string;
  readonly engine: string;
  /** The names of the files drawn from this secret (no directory; see `files` for each). */
  readonly files: readonly string[];
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
}

/** One output file: whether it holds its secrets' current data, and whether the app read it. */
export interface FileView {
  /** The file's name in the output directory. */
  readonly file: string;
  readonly secrets: readonly string[];
  readonly format: string;
  readonly upToDate: boolean;
  readonly lastWriteAt: number | null;
  readonly lastError: string | null;
  /** false: configured with track_reads: false. */
  readonly trackReads: boolean;
  /** False on a noatime mount or with track_reads: false: app reads cannot be seen. */
  readonly accessTracked: boolean;
  /** Epoch ms the version now on disk was written (its mtime), once the tracker has seen it. */
  readonly versionWrittenAt: number | null;
  /** Epoch ms of the app's first read of that version; null while unread. */
  readonly appReadAt: number | null;
  /** Epoch ms the oldest version the app has not read was written; null once read. */
  readonly unreadSince: number | null;
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
      const lease = secret.expiresAt === undefined ? 'pending' : Number.isFinite(secret.expiresAt) ? 'leased' : 'unleased';
      return {
        name: secret.name,
        engine: secret.engine,
        files: secret.files,
        ready: secret.ready,
        lease,
        expiresAt: lease === 'leased' ? secret.expiresAt! : null,
        renewable: secret.renewable ?? null,
        version: secret.version ?? null,
        lastWriteAt: secret.lastWriteAt ?? null,
        lastRenewalAt: secret.lastRenewalAt ?? null,
        lastError: secret.lastError ?? null,
      };
    }),
    files: status.files.map((file) => ({
      file: file.file,
      secrets: file.secrets,
      format: file.format,
      upToDate: file.upToDate,
      lastWriteAt: file.lastWriteAt ?? null,
      lastError: file.lastError ?? null,
      trackReads: file.trackReads,
      accessTracked: file.accessTracked,
      versionWrittenAt: file.versionWrittenAt ?? null,
      appReadAt: file.appReadAt ?? null,
      unreadSince: file.appReadAt === undefined ? (file.unreadSince ?? file.versionWrittenAt ?? null) : null,
    })),
  };
}
