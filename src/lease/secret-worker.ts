import { AbortedError, VaultPermissionDeniedError, VaultRequestRejectedError } from '../errors.js';
import { describeError, type Logger } from '../log.js';
import type { MetricsRecorder, SecretSnapshot } from '../metrics/recorder.js';
import type { SecretSource } from '../sources/source.js';
import { sleepUntil } from '../util/sleep.js';
import type { VaultClient } from '../vault/client.js';
import type { BackoffLimits } from './backoff.js';
import { leaseExpiresAt, type Lease } from './lease.js';
import { renewLease, revokeLease } from './lease-ops.js';
import { nextAction, type Action, type Decision } from './schedule.js';

/** What a worker needs from the auth handler. */
export interface TokenProvider {
  tokenFor(signal: AbortSignal): Promise<string>;
  tokenOtherThan(stale: string, signal: AbortSignal): Promise<string>;
  onTokenChange(listener: () => void): () => void;
  invalidate(token: string, reason: string): void;
  deadlineFor(token: string): number;
}

export interface SecretSink {
  readonly path: string;
  write(bytes: Buffer): Promise<{ changed: boolean }>;
}

export interface SecretWorkerOptions {
  readonly source: SecretSource;
  readonly render: (data: Record<string, unknown>) => Buffer;
  readonly sink: SecretSink;
  readonly vault: VaultClient;
  readonly auth: TokenProvider;
  readonly recorder: MetricsRecorder;
  readonly logger: Logger;
  readonly backoff: BackoffLimits;
  readonly random?: () => number;
  readonly now?: () => number;
}

interface Held {
  readonly lease: Lease;
  /** The token the lease was obtained with: Vault revokes the lease with it. */
  readonly token: string;
  /** TTL first granted; renewals ask for this much again. */
  readonly grantedTtlMs: number;
  readonly capped: boolean;
  readonly written: boolean;
}

/**
 * Keeps one secret's file current: fetches, renders, writes, then renews or re-fetches on the
 * shared schedule. Each secret has its own worker, so one failing secret neither delays nor
 * re-fetches the others.
 */
export class SecretWorker {
  private held: Held | undefined;
  private failures = 0;
  private failedAction: Action | undefined;
  private retryAfterMs: number | undefined;
  private lastWriteAt: number | undefined;
  private lastErrorText: string | undefined;
  private readonly random: () => number;
  private readonly now: () => number;

  constructor(private readonly options: SecretWorkerOptions) {
    this.random = options.random ?? Math.random;
    this.now = options.now ?? Date.now;
  }

  get name(): string {
    return this.options.source.name;
  }

  /** Written at least once and the lease it came from is still valid. */
  readiness(): { ready: boolean; reason?: string } {
    const held = this.held;
    if (!held?.written) return { ready: false, reason: `secret "${this.name}": not written yet` };
    if (this.expiresAt() <= this.now()) return { ready: false, reason: `secret "${this.name}": lease expired` };
    return { ready: true };
  }

  snapshot(): SecretSnapshot {
    return { name: this.name, engine: this.options.source.engine, expiresAt: this.held?.written ? this.expiresAt() : 0, lastWriteAt: this.lastWriteAt };
  }

  lastError(): string | undefined {
    return this.lastErrorText;
  }

  private expiresAt(): number {
    const held = this.held;
    if (!held) return 0;
    return held.lease.id ? Math.min(leaseExpiresAt(held.lease), this.options.auth.deadlineFor(held.token)) : Number.POSITIVE_INFINITY;
  }

  /** Runs until the signal aborts. */
  async run(signal: AbortSignal): Promise<void> {
    // A new or capped agent token can bring a lease's deadline forward: decide again.
    let wake = new AbortController();
    const unsubscribe = this.options.auth.onTokenChange(() => wake.abort());
    try {
      while (!signal.aborted) {
        const decision = this.decide();
        try {
          await sleepUntil(decision.at, this.now, AbortSignal.any([signal, wake.signal]));
        } catch (error) {
          if (signal.aborted || !wake.signal.aborted) throw error;
          wake = new AbortController();
          continue;
        }
        if (decision.action === 'renew' && this.held?.written) await this.renew(signal);
        else await this.fetch(signal);
      }
    } catch (error) {
      if (!(error instanceof AbortedError)) throw error;
    } finally {
      unsubscribe();
    }
  }

  /** Fetches and writes once, retrying until it succeeds or the signal aborts (init containers). */
  async writeOnce(signal: AbortSignal): Promise<void> {
    while (!this.held?.written) {
      if (signal.aborted) throw new AbortedError(`secret "${this.name}" was not written before the deadline`);
      if (this.failures > 0) await sleepUntil(this.decide().at, this.now, signal);
      await this.fetch(signal);
    }
  }

  private decide(): Decision {
    const held = this.held;
    const failure = { failures: this.failures, failedAction: this.failedAction, retryAfterMs: this.retryAfterMs };
    if (!held?.written) {
      return this.failures > 0
        ? nextAction({ kind: 'interval', since: this.now(), ttlMs: 0, renewable: false, capped: false, ...failure }, this.now(), this.random(), this.options.backoff)
        : { action: 'refetch', at: this.now() };
    }
    const { lease } = held;
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

  private async fetch(signal: AbortSignal): Promise<void> {
    const previous = this.held;
    // Replacing a lease because its token is dying: the replacement needs a new token.
    const token =
      previous?.lease.id && this.options.auth.deadlineFor(previous.token) < leaseExpiresAt(previous.lease)
        ? await this.options.auth.tokenOtherThan(previous.token, signal)
        : await this.options.auth.tokenFor(signal);
    try {
      const lease = await this.options.source.read(this.options.vault, token, signal);
      const sameVersion = previous?.written && lease.version !== undefined && lease.version === previous.lease.version;
      if (!sameVersion) await this.write(lease);
      this.held = { lease, token, grantedTtlMs: lease.ttlMs, capped: false, written: true };
      if (previous?.written && !sameVersion) this.options.recorder.secretRotated(this.name, 'success');
      this.succeeded();
      // An unchanged re-read is routine; only a new file is worth an info line.
      this.options.logger[sameVersion ? 'debug' : 'info'](
        { secret: this.name, file: this.options.sink.path, ttl_seconds: lease.ttlMs / 1000, renewable: lease.renewable, version: lease.version },
        sameVersion ? 'secret unchanged' : previous?.written ? 'secret rotated' : 'secret written',
      );
    } catch (error) {
      if (signal.aborted) throw new AbortedError();
      if (previous?.written) this.options.recorder.secretRotated(this.name, 'failure');
      this.failed('refetch', error, token);
    }
  }

  private async write(lease: Lease): Promise<void> {
    try {
      const { changed } = await this.options.sink.write(this.options.render(lease.data));
      this.options.recorder.secretWritten(this.name, 'success', changed);
      if (changed) this.lastWriteAt = this.now();
    } catch (error) {
      this.options.recorder.secretWritten(this.name, 'failure', false);
      throw error;
    }
  }

  private async renew(signal: AbortSignal): Promise<void> {
    const held = this.held!;
    const token = await this.options.auth.tokenFor(signal);
    try {
      const renewed = await renewLease(this.options.vault, token, held.lease.id, held.grantedTtlMs, signal);
      if (renewed.ttlMs <= 0) {
        // Vault granted no time: the lease ends now. Kept as TTL 0 it would read as "never expires".
        this.options.recorder.secretRenewed(this.name, 'failure');
        this.held = { ...held, capped: true, lease: { ...held.lease, renewable: false, ttlMs: Math.max(1, this.now() - held.lease.obtainedAt) } };
        this.failures = 0;
        await this.fetch(signal);
        return;
      }
      const capped = renewed.ttlMs < held.grantedTtlMs;
      this.held = { ...held, capped, lease: { ...held.lease, ttlMs: renewed.ttlMs, renewable: renewed.renewable, obtainedAt: this.now() } };
      this.options.recorder.secretRenewed(this.name, 'success');
      this.succeeded();
      this.options.logger.debug({ secret: this.name, ttl_seconds: renewed.ttlMs / 1000, capped }, 'lease renewed');
    } catch (error) {
      if (signal.aborted) throw new AbortedError();
      this.options.recorder.secretRenewed(this.name, 'failure');
      if (error instanceof VaultRequestRejectedError) {
        // Lease revoked, expired or not renewable on Vault's side: only a new credential helps.
        this.options.logger.warn({ secret: this.name, error: describeError(error) }, 'lease can no longer be renewed; fetching a new credential');
        this.held = { ...held, capped: true, lease: { ...held.lease, renewable: false } };
        this.failures = 0;
        await this.fetch(signal);
        return;
      }
      this.failed('renew', error, token);
    }
  }

  private succeeded(): void {
    this.failures = 0;
    this.failedAction = undefined;
    this.retryAfterMs = undefined;
    this.lastErrorText = undefined;
  }

  private failed(action: Action, error: unknown, token: string): void {
    this.failures++;
    this.failedAction = action;
    this.retryAfterMs = (error as { retryAfterMs?: number }).retryAfterMs;
    this.lastErrorText = describeError(error).message;
    if (error instanceof VaultPermissionDeniedError) this.options.auth.invalidate(token, `403 on secret "${this.name}"`);
    this.options.logger.warn({ secret: this.name, action, attempt: this.failures, error: describeError(error) }, `secret ${action} failed; will retry`);
  }

  /**
   * At shutdown: revokes the lease if it is still alive. A lease obtained with `tokenBeingRevoked`
   * is left to Vault, which revokes it together with that token (and Vault's default policy does
   * not grant sys/leases/revoke, so asking would only earn a 403).
   */
  async revoke(signal: AbortSignal, tokenBeingRevoked?: string): Promise<'revoked' | 'with-token' | 'none'> {
    const held = this.held;
    if (!held?.lease.id || this.expiresAt() <= this.now()) return 'none';
    if (held.token === tokenBeingRevoked) return 'with-token';
    const token = await this.options.auth.tokenFor(signal);
    await revokeLease(this.options.vault, token, held.lease.id, signal);
    return 'revoked';
  }
}
