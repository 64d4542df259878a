import { AbortedError, SecretDataError, VaultPermissionDeniedError, VaultRequestRejectedError } from '../errors.js';
import { describeError, type Logger } from '../log.js';
import type { MetricsRecorder, Result, SecretSnapshot } from '../metrics/recorder.js';
import type { SecretSource } from '../sources/source.js';
import type { PersistedSecret } from '../state/agent-state.js';
import type { VaultClient } from '../vault/client.js';
import type { BackoffLimits } from './backoff.js';
import { grantedTtlMs, leaseExpiresAt, type Lease } from './lease.js';
import { leaseLogFields, rotationReason, type EndedBy } from './lease-log.js';
import { lookupLease, renewLease, revokeLease } from './lease-ops.js';
import { SecretHealth } from './secret-health.js';
import { nextAction, RENEW_WINDOW, type Action, type Decision } from './schedule.js';
import { ScheduledLoop } from './scheduled-loop.js';
import { Timeline } from './timeline.js';

/** What a worker needs from the auth handler. */
export interface TokenProvider {
  tokenFor(signal: AbortSignal): Promise<string>;
  tokenOtherThan(stale: string, signal: AbortSignal): Promise<string>;
  onTokenChange(listener: () => void): () => void;
  invalidate(token: string, reason: string): void;
  deadlineFor(token: string): number;
}

/** Where a secret's data goes: every file drawn from it (see files/file-set.ts). */
export interface SecretPublisher {
  /** Renders and writes the secret's files; throws when a file could not be written. */
  publish(secret: string, lease: Lease): Promise<{ changed: boolean }>;
  filesOf(secret: string): string[];
}

/** After Vault rotates a static role's password the file is stale until re-read; not worth a readiness flap. */
const ROTATION_GRACE_MS = 15_000;

export interface SecretWorkerOptions {
  readonly source: SecretSource;
  readonly files: SecretPublisher;
  readonly vault: VaultClient;
  readonly auth: TokenProvider;
  readonly recorder: MetricsRecorder;
  readonly logger: Logger;
  readonly backoff: BackoffLimits;
  /** A new lease was obtained or its timing changed in a way a restarted agent must know. */
  readonly onStateChange?: () => void;
  readonly random?: () => number;
  readonly now?: () => number;
  /** Where the worker sleeps between actions; shared by every worker of an agent. */
  readonly timeline?: Timeline;
}

export interface SecretStatus {
  readonly name: string;
  readonly engine: string;
  readonly files: readonly string[];
  readonly ready: boolean;
  /** Epoch ms; Infinity for unleased secrets; undefined before the first write. */
  readonly expiresAt?: number;
  readonly renewable?: boolean;
  readonly version?: number;
  readonly lastWriteAt?: number;
  readonly lastRenewalAt?: number;
  /** Value-free description of the last failure, cleared by the next success. */
  readonly lastError?: string;
}

interface Held {
  readonly lease: Lease;
  /** The token the lease was obtained with: Vault revokes the lease with it. */
  readonly token: string;
  /** TTL first granted; renewals ask for this much again. */
  readonly grantedTtlMs: number;
  readonly capped: boolean;
}

/**
 * Keeps one secret's file current: fetches, renders, writes, then renews or re-fetches on the
 * shared schedule. Each secret has its own worker, so one failing secret neither delays nor
 * re-fetches the others. `held` is the newest lease; `onDisk` the one whose data is in the file
 * (they differ only while a write is failing, and then the old file keeps serving the app).
 */
export class SecretWorker extends ScheduledLoop {
  private held: Held | undefined;
  private onDisk: Held | undefined;
  private failures = 0;
  private failedAction: Action | undefined;
  private retryAfterMs: number | undefined;
  private lastWriteAt: number | undefined;
  private lastRenewalAt: number | undefined;
  /** Whether a renewal or re-read has succeeded since this agent started (see the schedule). */
  private settled = false;
  private lastErrorText: string | undefined;
  /** Last success, failures since, next planned action: for metrics and the recovery log line. */
  private readonly health = new SecretHealth();
  private readonly random: () => number;
  private readonly now: () => number;

  constructor(private readonly options: SecretWorkerOptions) {
    const now = options.now ?? Date.now;
    super(options.timeline ?? new Timeline(now));
    this.random = options.random ?? Math.random;
    this.now = now;
  }

  /** A new or capped agent token can bring a lease's deadline forward: decide again. */
  protected listenForChanges(decideAgain: () => void): () => void {
    return this.options.auth.onTokenChange(decideAgain);
  }

  get name(): string {
    return this.options.source.name;
  }

  /**
   * Written at least once and the lease behind the file is still valid. When not, the reason
   * names the cause an operator can act on: a credential in hand whose file cannot be written is
   * a write problem, not an expired lease.
   */
  readiness(): { ready: boolean; reason?: string } {
    const unwritten = this.held !== this.onDisk && this.lastErrorText ? this.lastErrorText : undefined;
    if (!this.onDisk) {
      if (unwritten) return { ready: false, reason: `secret "${this.name}": fetched but its file could not be written: ${unwritten}` };
      return { ready: false, reason: `secret "${this.name}": not written yet${this.lastErrorText ? ` (${this.lastErrorText})` : ''}` };
    }
    const grace = this.onDisk.lease.validity?.rotate === 'after' ? ROTATION_GRACE_MS : 0;
    if (this.expiresAt(this.onDisk) + grace > this.now()) return { ready: true };
    if (unwritten) return { ready: false, reason: `secret "${this.name}": its new credential could not be written (${unwritten}); the one in the file has expired` };
    return { ready: false, reason: `secret "${this.name}": lease expired${this.lastErrorText ? ` (${this.lastErrorText})` : ''}` };
  }

  snapshot(): SecretSnapshot {
    return {
      name: this.name,
      engine: this.options.source.engine,
      expiresAt: this.onDisk ? this.expiresAt(this.onDisk) : 0,
      ttlMs: this.onDisk ? grantedTtlMs(this.onDisk.lease) : undefined,
      lastWriteAt: this.lastWriteAt,
      ...this.health.snapshot(),
    };
  }

  lastError(): string | undefined {
    return this.lastErrorText;
  }

  /** For the status page: timing and health, never data. */
  status(): SecretStatus {
    const onDisk = this.onDisk;
    return {
      name: this.name,
      engine: this.options.source.engine,
      files: this.options.files.filesOf(this.name),
      ready: this.readiness().ready,
      expiresAt: onDisk ? this.expiresAt(onDisk) : undefined,
      renewable: onDisk ? onDisk.lease.renewable : undefined,
      version: onDisk?.lease.version,
      lastWriteAt: this.lastWriteAt,
      lastRenewalAt: this.lastRenewalAt,
      lastError: this.lastErrorText,
    };
  }

  /** What a restarted agent needs to adopt this lease; nothing until a lease is on disk. */
  persisted(): PersistedSecret | undefined {
    const held = this.onDisk === this.held ? this.held : undefined;
    if (!held) return undefined;
    return { source: this.options.source.key, token: held.token, grantedTtlMs: held.grantedTtlMs, capped: held.capped, lease: { ...held.lease } };
  }

  private expiresAt(held: Held): number {
    if (held.lease.validity) return held.lease.validity.until;
    return held.lease.id ? Math.min(leaseExpiresAt(held.lease), this.options.auth.deadlineFor(held.token)) : Number.POSITIVE_INFINITY;
  }

  /**
   * Takes over a lease saved by a previous run instead of leasing anew: checks with Vault that
   * it is still alive (sys/leases/lookup) and writes the file if it is missing or differs.
   * Returns false when there is nothing usable to adopt.
   */
  async adopt(saved: PersistedSecret, signal: AbortSignal): Promise<boolean> {
    if (saved.source !== this.options.source.key) return false;
    let lease: Lease = saved.lease;
    if (lease.validity?.rotate === 'before' && lease.validity.until <= this.now()) return false;
    if (lease.id && !lease.validity) {
      if (this.options.auth.deadlineFor(saved.token) <= this.now()) return false;
      try {
        const live = await lookupLease(this.options.vault, await this.options.auth.tokenFor(signal), lease.id, signal);
        lease = { ...lease, ttlMs: live.ttlMs, renewable: live.renewable, obtainedAt: this.now() };
      } catch (error) {
        if (error instanceof VaultRequestRejectedError || error instanceof VaultPermissionDeniedError) return false;
        if (signal.aborted) throw new AbortedError();
        // Vault unreachable: trust the saved timing; the first renewal will tell.
        if (leaseExpiresAt(lease) <= this.now()) return false;
      }
      if (lease.ttlMs <= 0) return false;
    }
    this.held = { lease, token: saved.token, grantedTtlMs: saved.grantedTtlMs, capped: saved.capped };
    // Vault last vouched for this data when it was obtained (or looked up just now).
    this.health.vault('success', lease.obtainedAt);
    try {
      await this.writeHeld();
    } catch (error) {
      this.failed('refetch', error);
    }
    this.options.logger.info({ secret: this.name, files: this.files(), ...leaseLogFields(lease) }, 'adopted the lease of a previous run');
    return true;
  }

  /**
   * One attempt at the first fetch and write (nothing when a lease was adopted), so a caller can
   * pace how many secrets start at once; run() and writeOnce() carry on from where it left.
   */
  async attemptFirst(signal?: AbortSignal): Promise<void> {
    if (this.held || this.failures > 0 || signal?.aborted) return;
    await this.step('refetch', signal);
  }

  /** Fetches and writes once, retrying until it succeeds, stop() is called or `signal` aborts (init containers). */
  async writeOnce(signal?: AbortSignal): Promise<void> {
    const stop = () => this.stop();
    if (signal?.aborted) this.stop();
    signal?.addEventListener('abort', stop, { once: true });
    try {
      while (!this.onDisk) {
        if (this.stopped) throw new AbortedError(`secret "${this.name}" was not written before the deadline`);
        const decision = this.decide();
        if (this.failures > 0 && !(await new Promise<boolean>((then) => this.sleepUntil(decision.at, then)))) continue;
        await this.step(decision.action);
      }
    } finally {
      signal?.removeEventListener('abort', stop);
    }
  }

  protected async act(action: Action, signal: AbortSignal): Promise<void> {
    // A leased credential whose file write failed is written again rather than leased anew;
    // unleased data (KV) is simply read again, which also picks up a fixed version.
    const pending = this.held && this.held !== this.onDisk ? this.held : undefined;
    if (pending?.lease.id && this.expiresAt(pending) > this.now()) {
      // Kept alive while the write is retried: a file that cannot be written must not cost a
      // new credential every TTL.
      if (this.renewalDue(pending)) await this.renew(signal);
      if (this.held === pending || this.held?.lease.id === pending.lease.id) return this.retryWrite();
      return;
    }
    if (action === 'renew' && this.held) return this.renew(signal);
    return this.fetch(signal);
  }

  protected decide(): Decision {
    const decision = this.schedule();
    // What the metrics call the planned refresh: retries do not move it, so an overdue secret shows.
    if (this.failures === 0) this.health.planned(decision.at);
    return decision;
  }

  private schedule(): Decision {
    const held = this.held;
    const failure = { failures: this.failures, failedAction: this.failedAction, retryAfterMs: this.retryAfterMs, first: !this.settled };
    if (!held) {
      return this.failures > 0
        ? nextAction({ kind: 'interval', since: this.now(), ttlMs: 0, renewable: false, capped: false, ...failure }, this.now(), this.random(), this.options.backoff)
        : { action: 'refetch', at: this.now() };
    }
    const { lease } = held;
    if (lease.validity?.rotate === 'after') {
      return nextAction({ kind: 'rotation', since: lease.obtainedAt, ttlMs: lease.validity.until - lease.obtainedAt, renewable: false, capped: false, ...failure }, this.now(), this.random(), this.options.backoff);
    }
    if (lease.validity) {
      const { until } = lease.validity;
      const window = this.options.source.rotateWindow;
      // The lifetime counts from issue, not from NotBefore, which Vault backdates (30 s by
      // default: half of a 40 s certificate's life would otherwise be gone at issue). No wide
      // first-rotation spread either: rotate_fraction ± 0.05 spreads a fleet well enough.
      const from = Math.max(lease.validity.from, lease.obtainedAt);
      const state = { kind: 'lease', since: from, ttlMs: Math.max(1, until - from), renewable: false, capped: false, ...(window ? { window } : {}), ...failure, first: false } as const;
      return nextAction(state, this.now(), this.random(), this.options.backoff);
    }
    if (!lease.id) {
      const interval = lease.ttlMs > 0 ? lease.ttlMs : this.options.source.refreshIntervalMs;
      return nextAction({ kind: 'interval', since: lease.obtainedAt, ttlMs: interval, renewable: false, capped: false, ...failure }, this.now(), this.random(), this.options.backoff);
    }
    const deadline = this.options.auth.deadlineFor(held.token);
    const tokenBound = deadline < leaseExpiresAt(lease);
    return nextAction(
      {
        kind: 'lease',
        since: lease.obtainedAt,
        ttlMs: tokenBound ? Math.max(0, deadline - lease.obtainedAt) : lease.ttlMs,
        renewable: lease.renewable,
        capped: held.capped || tokenBound,
        ...failure,
      },
      this.now(),
      this.random(),
      this.options.backoff,
    );
  }

  private async fetch(signal: AbortSignal, endedBy?: EndedBy): Promise<void> {
    const previous = this.held;
    // Replacing a lease because its token is dying: the replacement needs a new token.
    const tokenEnding = !!previous?.lease.id && this.options.auth.deadlineFor(previous.token) < leaseExpiresAt(previous.lease);
    const token = tokenEnding ? await this.options.auth.tokenOtherThan(previous!.token, signal) : await this.options.auth.tokenFor(signal);
    let read = false;
    try {
      const lease = await this.options.source.read(this.options.vault, token, signal);
      read = true;
      this.readEnded('success');
      const sameVersion = previous !== undefined && previous === this.onDisk && lease.version !== undefined && lease.version === previous.lease.version;
      this.held = { lease, token, grantedTtlMs: lease.ttlMs, capped: false };
      if (previous) this.settled = true;
      let changed = false;
      if (sameVersion) this.onDisk = this.held;
      else changed = await this.writeHeld();
      // Unversioned data (kv v1, read) re-read with the same bytes replaced nothing.
      const rotated = previous !== undefined && !sameVersion && (changed || lease.id !== '' || lease.validity !== undefined);
      if (rotated) this.options.recorder.secretRotated(this.name, 'success');
      this.succeeded();
      this.options.onStateChange?.();
      const fields = { secret: this.name, files: this.files(), ...leaseLogFields(lease) };
      // An unchanged re-read is routine; only a new file is worth an info line.
      if (rotated) this.options.logger.info({ ...fields, reason: rotationReason({ previous: previous.lease, capped: previous.capped, tokenEnding, endedBy, next: lease }) }, 'secret rotated');
      else if (previous) this.options.logger.debug(fields, 'secret unchanged');
      else this.options.logger.info(fields, 'secret written');
    } catch (error) {
      if (signal.aborted) throw new AbortedError();
      if (!read) this.readEnded('failure');
      if (error instanceof SecretDataError && error.leaseId) await this.giveBack(error.leaseId, token, signal);
      // A failed re-read of unleased data replaces nothing (there may be no new version); a
      // failed replacement of an ending lease, certificate or password, or of a new version's
      // file, is a failed rotation.
      if (previous && (read || previous.lease.id !== '' || previous.lease.validity !== undefined)) this.options.recorder.secretRotated(this.name, 'failure');
      this.failed('refetch', error, token);
    }
  }

  private readEnded(result: Result): void {
    this.options.recorder.secretRead(this.name, result);
    this.health.vault(result, this.now());
  }

  private renewEnded(result: Result): void {
    this.options.recorder.secretRenewed(this.name, result);
    this.health.vault(result, this.now());
  }

  /**
   * Revokes a lease that came with an answer the agent refused: nobody will ever use it, and each
   * retry would otherwise leave one more live credential behind. Where the policy does not allow
   * it (sys/leases/revoke), it lapses with its TTL or with the agent's token.
   */
  private async giveBack(leaseId: string, token: string, signal: AbortSignal): Promise<void> {
    try {
      await revokeLease(this.options.vault, token, leaseId, signal);
      this.options.logger.info({ secret: this.name }, 'revoked the lease that came with an answer the agent could not use');
    } catch (error) {
      if (signal.aborted) throw new AbortedError();
      this.options.logger.warn(
        { secret: this.name, error: describeError(error) },
        'could not revoke the lease that came with an answer the agent could not use (does the policy grant update on sys/leases/revoke?); it lapses with its TTL',
      );
    }
  }

  private files(): string[] {
    return this.options.files.filesOf(this.name);
  }

  /** Renders and writes `held` to every file drawn from it; on success the files reflect it. Returns whether any bytes changed. */
  private async writeHeld(): Promise<boolean> {
    const held = this.held!;
    try {
      const { changed } = await this.options.files.publish(this.name, held.lease);
      this.options.recorder.secretWritten(this.name, 'success', changed);
      if (changed || !this.lastWriteAt) this.lastWriteAt = this.now();
      this.onDisk = held;
      return changed;
    } catch (error) {
      this.options.recorder.secretWritten(this.name, 'failure', false);
      throw error;
    }
  }

  /** A held lease still in its renewal window's first part needs nothing; past it, a renewal. */
  private renewalDue(held: Held): boolean {
    const { lease } = held;
    if (!lease.renewable || held.capped || lease.validity) return false;
    return this.now() >= lease.obtainedAt + lease.ttlMs * RENEW_WINDOW.from;
  }

  /**
   * A fetched lease whose file write failed: write it again rather than lease anew. With an older
   * version on disk this completes a rotation, and counts as one.
   */
  private async retryWrite(): Promise<void> {
    const rotating = this.onDisk !== undefined;
    try {
      await this.writeHeld();
      if (rotating) this.options.recorder.secretRotated(this.name, 'success');
      this.succeeded();
      this.options.onStateChange?.();
      this.options.logger.info({ secret: this.name, files: this.files() }, rotating ? 'secret rotated' : 'secret written');
    } catch (error) {
      this.failed('refetch', error);
    }
  }

  private async renew(signal: AbortSignal): Promise<void> {
    const held = this.held!;
    const token = await this.options.auth.tokenFor(signal);
    try {
      const renewed = await renewLease(this.options.vault, token, held.lease.id, held.grantedTtlMs, signal);
      if (renewed.ttlMs <= 0) {
        // Vault granted no time: the lease ends now. Kept as TTL 0 it would read as "never expires".
        this.renewEnded('failure');
        const ended = { ...held, capped: true, lease: { ...held.lease, renewable: false, ttlMs: Math.max(1, this.now() - held.lease.obtainedAt) } };
        if (this.onDisk === held) this.onDisk = ended;
        this.held = ended;
        return this.replaceNow(signal, 'max_ttl');
      }
      const capped = renewed.ttlMs < held.grantedTtlMs;
      const next = { ...held, capped, lease: { ...held.lease, ttlMs: renewed.ttlMs, renewable: renewed.renewable, obtainedAt: this.now() } };
      if (this.onDisk === held) this.onDisk = next;
      this.held = next;
      this.renewEnded('success');
      this.lastRenewalAt = this.now();
      this.settled = true;
      this.succeeded();
      if (capped !== held.capped) this.options.onStateChange?.();
      this.options.logger.debug({ secret: this.name, ttl_seconds: renewed.ttlMs / 1000, capped }, 'lease renewed');
    } catch (error) {
      if (signal.aborted) throw new AbortedError();
      this.renewEnded('failure');
      if (error instanceof VaultRequestRejectedError) {
        // Lease revoked, expired or not renewable on Vault's side: only a new credential helps.
        this.options.logger.warn({ secret: this.name, error: describeError(error) }, 'lease can no longer be renewed; fetching a new credential');
        return this.replaceNow(signal, 'revoked');
      }
      this.failed('renew', error, token);
    }
  }

  private async replaceNow(signal: AbortSignal, endedBy: EndedBy): Promise<void> {
    this.failures = 0;
    await this.fetch(signal, endedBy);
  }

  private succeeded(): void {
    const recovery = this.health.recovered(this.now());
    if (recovery) {
      this.options.logger.info({ secret: this.name, failed_attempts: recovery.failedAttempts, failing_seconds: recovery.failingForMs / 1000 }, 'secret recovered');
    }
    this.failures = 0;
    this.failedAction = undefined;
    this.retryAfterMs = undefined;
    this.lastErrorText = undefined;
  }

  private failed(action: Action, error: unknown, token?: string): void {
    this.failures++;
    this.health.failed(this.now());
    this.failedAction = action;
    this.retryAfterMs = (error as { retryAfterMs?: number }).retryAfterMs;
    this.lastErrorText = describeError(error).message;
    if (token && error instanceof VaultPermissionDeniedError) this.options.auth.invalidate(token, `403 on secret "${this.name}"`);
    this.options.logger.warn({ secret: this.name, action, attempt: this.failures, error: describeError(error) }, `secret ${action} failed; will retry`);
  }

  /**
   * At shutdown: revokes the lease if it is still alive. A lease obtained with `tokenBeingRevoked`
   * is left to Vault, which revokes it together with that token (and Vault's default policy does
   * not grant sys/leases/revoke, so asking would only earn a 403).
   */
  async revoke(signal: AbortSignal, tokenBeingRevoked?: string): Promise<'revoked' | 'with-token' | 'none'> {
    const held = this.held;
    if (!held?.lease.id || this.expiresAt(held) <= this.now()) return 'none';
    if (held.token === tokenBeingRevoked) return 'with-token';
    const token = await this.options.auth.tokenFor(signal);
    await revokeLease(this.options.vault, token, held.lease.id, signal);
    return 'revoked';
  }
}
