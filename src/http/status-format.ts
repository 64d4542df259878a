import type { FileView, SecretView, StatusView } from './status-view.js';

/**
 * What each cell of the status page says, as pure functions of the view and the agent's clock.
 * The server renders the first paint with them and the page's script receives their source
 * (status-script.ts), so both always agree. They are declared inside one function so that its
 * source is self-contained whatever a bundler or minifier renames: no imports at run time, only
 * calls to each other and to browser-safe built-ins.
 */
export interface Cell {
  readonly text: string;
  readonly tone: '' | 'ok' | 'warn' | 'bad';
  readonly title?: string;
}

export interface SummaryItem extends Cell {
  readonly label: string;
}

/** The columns of the two tables; each cell carries its column's name so a narrow screen can label it. */
export const SECRET_COLUMNS = ['secret', 'engine', 'lease time left', 'last renewal', 'ready', 'last error'] as const;
export const FILE_COLUMNS = ['file', 'from', 'last write', 'up to date', 'app read current version*'] as const;
/** Columns whose cells are times that count live: kept on one line on a wide screen. */
export const TIME_COLUMNS: readonly string[] = ['lease time left', 'last renewal', 'last write'];

export function statusFormatters() {
  /** Whole seconds as "5s", "1m 05s", "1h 01m 05s", "2d 01h 01m 05s". */
  function formatDuration(seconds: number): string {
    const total = Math.max(0, Math.floor(seconds));
    const pad = (n: number): string => String(n).padStart(2, '0');
    const d = Math.floor(total / 86400);
    const h = Math.floor((total % 86400) / 3600);
    const m = Math.floor((total % 3600) / 60);
    const s = total % 60;
    if (d > 0) return `${d}d ${pad(h)}h ${pad(m)}m ${pad(s)}s`;
    if (h > 0) return `${h}h ${pad(m)}m ${pad(s)}s`;
    if (m > 0) return `${m}m ${pad(s)}s`;
    return `${s}s`;
  }

  function formatAgo(at: number | null, now: number, never = 'never'): Cell {
    if (at === null) return { text: never, tone: '' };
    return { text: `${formatDuration((now - at) / 1000)} ago`, tone: '', title: new Date(at).toISOString() };
  }

  /** Time left on the lease behind the files, rounded up so it reads "1s" until the very end. */
  function leaseCell(secret: SecretView, now: number): Cell {
    if (secret.lease === 'pending') return { text: 'not leased yet', tone: 'warn' };
    if (secret.lease === 'unleased' || secret.expiresAt === null) {
      return { text: secret.version === null ? 'no lease' : `no lease (version ${secret.version})`, tone: '' };
    }
    const left = Math.ceil((secret.expiresAt - now) / 1000);
    const title = `expires ${new Date(secret.expiresAt).toISOString()}`;
    if (left <= 0) return { text: 'expired', tone: 'bad', title };
    return { text: formatDuration(left), tone: left < 60 ? 'warn' : '', title };
  }

  /** A lease that cannot be renewed (a certificate, a static password, a non-renewable lease) is replaced instead: say so, not "never". */
  function renewalCell(secret: SecretView, now: number): Cell {
    if (secret.lease === 'unleased') return { text: '— (no lease)', tone: '' };
    if (secret.lease === 'leased' && secret.renewable === false) return { text: 'not renewable', tone: '', title: 'replaced with a new one before it ends' };
    return formatAgo(secret.lastRenewalAt, now, 'not yet');
  }

  /**
   * Whether the app has read the version on disk, from the file's atime: the first read of each
   * written version is seen (relatime), within one access poll. Unread for over 15 minutes
   * (counted from the oldest version it has not read) turns amber, as the
   * VaultletAppNotReadingRotatedSecret alert would soon after.
   */
  function appReadCell(file: FileView, now: number): Cell {
    if (!file.trackReads) return { text: 'not tracked', tone: '', title: 'track_reads: false in the config' };
    if (!file.accessTracked) {
      return { text: 'unknown (noatime mount)', tone: '', title: 'the output directory is mounted noatime, so reads by the app cannot be seen' };
    }
    if (file.versionWrittenAt === null) return { text: '—', tone: '', title: 'no version written yet' };
    const written = `version written ${new Date(file.versionWrittenAt).toISOString()}`;
    if (file.appReadAt !== null) {
      const delay = formatDuration((file.appReadAt - file.versionWrittenAt) / 1000);
      return { text: `yes, ${delay} after write`, tone: 'ok', title: `${written}; first read ${new Date(file.appReadAt).toISOString()}` };
    }
    const since = file.unreadSince ?? file.versionWrittenAt;
    const waiting = (now - since) / 1000;
    const earlier = since < file.versionWrittenAt ? `; earlier versions unread since ${new Date(since).toISOString()}` : '';
    return { text: `not yet (${formatDuration(waiting)})`, tone: waiting > 900 ? 'warn' : '', title: `${written}; not read since${earlier}` };
  }

  /** One secrets-table row, in the order of SECRET_COLUMNS. */
  function secretCells(secret: SecretView, now: number): Cell[] {
    return [
      { text: secret.name, tone: '', title: secret.files.length ? `files: ${secret.files.join(', ')}` : undefined },
      { text: secret.engine, tone: '' },
      leaseCell(secret, now),
      renewalCell(secret, now),
      secret.ready ? { text: 'yes', tone: 'ok' } : { text: 'no', tone: 'bad' },
      secret.lastError === null ? { text: '—', tone: '' } : { text: secret.lastError, tone: 'bad' },
    ];
  }

  /** One files-table row, in the order of FILE_COLUMNS: a file drawn from several secrets is one row. */
  function fileCells(file: FileView, now: number): Cell[] {
    const state: Cell = file.lastError !== null
      ? { text: file.lastError, tone: 'bad' }
      : file.upToDate ? { text: 'yes', tone: 'ok' } : { text: 'not written yet', tone: 'warn' };
    return [
      { text: file.file, tone: '', title: file.format },
      { text: file.secrets.join(', '), tone: '' },
      formatAgo(file.lastWriteAt, now),
      state,
      appReadCell(file, now),
    ];
  }

  function summaryItems(view: StatusView, now: number): SummaryItem[] {
    const token: Cell =
      view.token === 'none'
        ? { text: 'not logged in', tone: 'bad' }
        : view.token === 'never-expires' || view.tokenExpiresAt === null
          ? { text: 'never expires', tone: '' }
          : { text: `expires in ${formatDuration(Math.ceil((view.tokenExpiresAt - now) / 1000))}`, tone: '' };
    return [
      { label: 'agent', ...(view.ready ? { text: 'ready', tone: 'ok' } : { text: 'not ready', tone: 'bad' }) },
      { label: 'Vault token', ...token },
      { label: 'last login error', ...(view.authError === null ? { text: '—', tone: '' } : { text: view.authError, tone: 'bad' }) },
    ];
  }

  return { formatDuration, formatAgo, leaseCell, renewalCell, appReadCell, secretCells, fileCells, summaryItems };
}

export const { formatDuration, formatAgo, leaseCell, renewalCell, appReadCell, secretCells, fileCells, summaryItems } = statusFormatters();
