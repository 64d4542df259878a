import type { SecretView, StatusView } from './status-view.js';

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

  function formatAgo(at: number | null, now: number): Cell {
    if (at === null) return { text: 'never', tone: '' };
    return { text: `${formatDuration((now - at) / 1000)} ago`, tone: '', title: new Date(at).toISOString() };
  }

  /** Time left on the lease behind the file, rounded up so it reads "1s" until the very end. */
  function leaseCell(secret: SecretView, now: number): Cell {
    if (secret.lease === 'pending') return { text: 'not leased yet', tone: 'warn' };
    if (secret.lease === 'unleased' || secret.expiresAt === null) {
      return { text: secret.version === null ? 'no lease' : `no lease (version ${secret.version})`, tone: '' };
    }
    const left = Math.ceil((secret.expiresAt - now) / 1000);
    const title = `expires ${new Date(secret.expiresAt).toISOString()}`;
    if (left <= 0) return { text: 'expired', tone: 'bad', title };
    const suffix = secret.renewable === false ? ' (not renewable)' : '';
    return { text: formatDuration(left) + suffix, tone: left < 60 ? 'warn' : '', title };
  }

  /**
   * Whether the app has read the version on disk, from the file's atime: the first read of each
   * written version is seen (relatime), within one access poll. Unread for over 15 minutes turns
   * amber, as the VaultletAppNotReadingRotatedSecret alert would soon after.
   */
  function appReadCell(secret: SecretView, now: number): Cell {
    if (!secret.accessTracked) {
      return { text: 'unknown (noatime mount)', tone: '', title: 'the output directory is mounted noatime, so reads by the app cannot be seen' };
    }
    if (secret.versionWrittenAt === null) return { text: '—', tone: '', title: 'no version written yet' };
    const written = `version written ${new Date(secret.versionWrittenAt).toISOString()}`;
    if (secret.appReadAt !== null) {
      const delay = formatDuration((secret.appReadAt - secret.versionWrittenAt) / 1000);
      return { text: `yes, ${delay} after write`, tone: 'ok', title: `${written}; first read ${new Date(secret.appReadAt).toISOString()}` };
    }
    const waiting = (now - secret.versionWrittenAt) / 1000;
    return { text: `not yet (${formatDuration(waiting)})`, tone: waiting > 900 ? 'warn' : '', title: `${written}; not read since` };
  }

  /** One table row, in the order of the page's columns. */
  function secretCells(secret: SecretView, now: number): Cell[] {
    return [
      { text: secret.name, tone: '' },
      { text: secret.engine, tone: '' },
      { text: secret.file, tone: '' },
      leaseCell(secret, now),
      secret.lease === 'unleased' ? { text: '— (no lease)', tone: '' } : formatAgo(secret.lastRenewalAt, now),
      formatAgo(secret.lastWriteAt, now),
      secret.lastError === null ? { text: '—', tone: '' } : { text: secret.lastError, tone: 'bad' },
      secret.ready ? { text: 'yes', tone: 'ok' } : { text: 'no', tone: 'bad' },
      appReadCell(secret, now),
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

  return { formatDuration, formatAgo, leaseCell, appReadCell, secretCells, summaryItems };
}

export const { formatDuration, formatAgo, leaseCell, appReadCell, secretCells, summaryItems } = statusFormatters();
