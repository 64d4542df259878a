import { EventEmitter } from 'node:events';
import { AbortedError, AuthError, VaultPermissionDeniedError, VaultRequestRejectedError } from '../errors.js';
import { defaultBackoff, type BackoffLimits } from '../lease/backoff.js';
import { nextAction, type Action } from '../lease/schedule.js';
import { describeError, type Logger } from '../log.js';
import type { MetricsRecorder } from '../metrics/recorder.js';
import { sleepUntil } from '../util/sleep.js';
import type { VaultClient, VaultResponse } from '../vault/client.js';
import type { PersistedToken } from '../state/agent-state.js';
import type { AuthMethod, LoginPlan } from './method.js';
import { tokenExpiresAt, type VaultToken } from './vault-token.js';

/** How long a replaced token's expiry is remembered after it passed. */
const RETIRED_MEMORY_MS = 24 * 60 * 60_000;

/** Vault will not renew a token with less than this left before its max TTL. */
const LAST_SECOND_MS = 1_000;

/** A valid token refused a path: log in for fresh policies at most this often. */
const POLICY_RELOGIN_INTERVAL_MS = 60_000;

export interface TokenTiming {
  /** Epoch ms; Infinity for a token that never expires. */
  readonly expiresAt: number;
  readonly ttlMs: number;
  readonly nextRenewalAt?: number;
}

export interface AuthHandlerOptions {
  readonly vault: VaultClient;
  readonly method: AuthMethod;
  readonly recorder: MetricsRecorder;
  readonly logger: Logger;
  readonly backoff?: BackoffLimits;
  readonly random?: () => number;
  readonly now?: () => number;
}

interface AuthEvents {
  authenticated: [token: VaultToken];
  failed: [error: Error];
}

/**
 * Owns the agent's Vault token: logs in, renews it on the shared schedule, logs in again when it
 * is not renewable, reaches its max TTL, or a caller reports a 403 with it. Concurrent 403s from
 * many secrets lead to one login, because only a report about the current token counts.
 */
export class AuthHandler extends EventEmitter<AuthEvents> {
  private token: VaultToken | undefined;
  /** Tokens replaced by a newer one, with the instant Vault will revoke them and their leases. */
  private readonly retired = new Map<string, number>();
  private failures = 0;
  private lastErrorText: string | undefined;
  private loginRequested = false;
  /** The token being checked after a 403, so concurrent reports make one check. */
  private verifying: string | undefined;
  private runSignal: AbortSignal | undefined;
  private lastPolicyLoginAt: number | undefined;
  /** Whether a renewal has succeeded since start (the schedule spreads the first one wider). */
  private settled = false;
  private readonly tokenListeners = new Set<() => void>();
  private failedAction: Action | undefined;
  private retryAfterMs: number | undefined;
  /** When the token is next to be renewed (or replaced), as planned after the last success. */
  private plannedAt: number | undefined;
  /** The last token's timing after it was dropped, until a login replaces it: metrics show it ended. */
  private ended: TokenTiming | undefined;
  private wake = new AbortController();
  private waiters: Array<() => void> = [];
  private running: Promise<void> | undefined;
  private readonly backoff: BackoffLimits;
  private readonly random: () => number;
  private readonly now: () => number;

  constructor(private readonly options: AuthHandlerOptions) {
    super();
    this.backoff = options.backoff ?? defaultBackoff;
    this.random = options.random ?? Math.random;
    this.now = options.now ?? Date.now;
  }

  get credentialFile(): string {
    return this.options.method.credentialFile;
  }

  /** The current token if it has not expired. */
  current(): VaultToken | undefined {
    return this.token && tokenExpiresAt(this.token) > this.now() ? this.token : undefined;
  }

  /** Resolves with a usable token, waiting for a login if needed. */
  async tokenFor(signal: AbortSignal): Promise<string> {
    for (;;) {
      const token = this.current();
      if (token) return token.token;
      if (signal.aborted) throw new AbortedError();
      await this.nextLogin(signal);
    }
  }

  /**
   * A token other than `stale`, logging in now if `stale` is still current. Leases obtained with
   * a token that has reached its max TTL must move to a new token before Vault revokes them
   * with the old one; however many secrets ask, there is one login.
   */
  async tokenOtherThan(stale: string, signal: AbortSignal): Promise<string> {
    for (;;) {
      const token = this.current();
      if (token && token.token !== stale) return token.token;
      if (signal.aborted) throw new AbortedError();
      if (token && !this.loginRequested) {
        this.loginRequested = true;
        this.wake.abort();
      }
      await this.nextLogin(signal);
    }
  }

  private nextLogin(signal: AbortSignal): Promise<void> {
    return new Promise<void>((resolve) => {
      const done = () => {
        signal.removeEventListener('abort', done);
        resolve();
      };
      this.waiters.push(done);
      signal.addEventListener('abort', done, { once: true });
    });
  }

  /**
   * Called whenever the token is replaced or reaches its max TTL, i.e. whenever the deadline of
   * leases obtained with it may have moved. Returns the unsubscribe function.
   */
  onTokenChange(listener: () => void): () => void {
    this.tokenListeners.add(listener);
    return () => this.tokenListeners.delete(listener);
  }

  private tokenChanged(): void {
    for (const listener of [...this.tokenListeners]) listener();
  }

  /**
   * A request made with `token` was refused with 403. Vault says "permission denied" both for a
   * dead token and for a path the policy does not grant, so the token is checked once
   * (lookup-self) before anything is dropped: a policy denial must not set off a login per retry,
   * and however many secrets report the same token, there is one check and at most one login.
   */
  invalidate(token: string, reason: string): void {
    if (this.token?.token !== token || this.verifying === token) return;
    this.verifying = token;
    void this.verify(token, reason).finally(() => {
      if (this.verifying === token) this.verifying = undefined;
    });
  }

  private async verify(token: string, reason: string): Promise<void> {
    const signal = this.runSignal ?? AbortSignal.timeout(this.options.vault.requestTimeoutMs);
    try {
      await this.options.vault.request('token_lookup', { method: 'GET', path: 'auth/token/lookup-self', token, signal, maxRetries: 0 });
      // The token is fine but its policies do not cover the path. A token's policy list is fixed
      // at login, so if the role was changed, only a new login helps: try that, at most once a minute.
      const now = this.now();
      if (this.lastPolicyLoginAt !== undefined && now - this.lastPolicyLoginAt < POLICY_RELOGIN_INTERVAL_MS) return;
      this.lastPolicyLoginAt = now;
      this.options.logger.warn({ reason }, 'Vault denied a path the agent token is valid for; logging in once for fresh policies (check the role and policy)');
      this.loginRequested = true;
      this.wake.abort();
    } catch (error) {
      if (!(error instanceof VaultPermissionDeniedError) || this.token?.token !== token) return;
      this.options.logger.warn({ reason }, 'Vault refused the agent token; logging in again');
      this.replaceToken(undefined, this.now());
      this.wake.abort();
    }
  }

  /**
   * Vault revokes every lease when the token that created it is revoked or expires. Leases
   * obtained with `token` are therefore only good until this instant: Infinity while the token
   * is current and can still be renewed, its final expiry once it is capped or replaced.
   */
  deadlineFor(token: string): number {
    const current = this.token;
    if (current?.token === token) return current.renewable && !current.capped ? Number.POSITIVE_INFINITY : tokenExpiresAt(current);
    return this.retired.get(token) ?? Number.POSITIVE_INFINITY;
  }

  private replaceToken(next: VaultToken | undefined, retiredExpiry?: number): void {
    const previous = this.token;
    if (previous && previous.token !== next?.token) {
      this.retired.set(previous.token, retiredExpiry ?? tokenExpiresAt(previous));
    }
    // Kept well past their expiry: a lease still held under a forgotten token would read as
    // alive (deadlineFor an unknown token is Infinity). Re-logins are rare, so this stays small.
    const now = this.now();
    for (const [token, expiresAt] of this.retired) if (expiresAt <= now - RETIRED_MEMORY_MS) this.retired.delete(token);
    this.token = next;
    this.ended = previous && !next ? { expiresAt: retiredExpiry ?? tokenExpiresAt(previous), ttlMs: previous.ttlMs, nextRenewalAt: this.plannedAt } : undefined;
    if (previous !== next) this.tokenChanged();
  }

  /**
   * The credential file changed. A failing login is retried now; a token file's new token
   * replaces the current one. The current token is kept until the new login succeeds.
   */
  credentialsChanged(): void {
    if (this.options.method.reloginOnChange && this.token) this.loginRequested = true;
    if (this.failures > 0 || this.loginRequested) this.wake.abort();
  }

  start(signal: AbortSignal): Promise<void> {
    this.runSignal ??= signal;
    this.running ??= this.loop(signal).catch((error) => {
      if (!(error instanceof AbortedError)) throw error;
    });
    return this.running;
  }

  private async loop(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      if (this.loginRequested) {
        this.loginRequested = false;
        // Asked for while the current token is still good: a failure must not stop its renewals.
        await this.login(signal, this.current() !== undefined);
        continue;
      }
      const token = this.token;
      const decision = token
        ? nextAction(
            {
              kind: 'lease',
              since: token.obtainedAt,
              ttlMs: token.ttlMs,
              renewable: token.renewable,
              capped: token.capped,
              failures: this.failures,
              failedAction: this.failedAction,
              retryAfterMs: this.retryAfterMs,
              first: !this.settled,
            },
            this.now(),
            this.random(),
            this.backoff,
          )
        : this.failures > 0
          ? nextAction({ kind: 'interval', since: this.now(), ttlMs: 0, renewable: false, capped: false, failures: this.failures, failedAction: 'refetch', retryAfterMs: this.retryAfterMs }, this.now(), this.random(), this.backoff)
          : { action: 'refetch' as const, at: this.now() };
      if (token && this.failures === 0) this.plannedAt = decision.at;
      if (token && decision.action === 'renew' && this.failures > 0 && decision.at + LAST_SECOND_MS >= tokenExpiresAt(token)) {
        // The retry would come in (or after) the token's last second: log in now, while it still
        // serves. Vault refuses (500) to renew a token in the last second before its max TTL, so
        // this is how a token whose cap no shortened renewal announced is replaced in time.
        await this.login(signal);
        continue;
      }
      const wake = this.wake.signal;
      try {
        await sleepUntil(decision.at, this.now, signal, wake);
      } catch (error) {
        if (signal.aborted) throw error;
        this.wake = new AbortController();
        continue;
      }
      if (decision.action === 'renew' && this.token) await this.renew(this.token, signal);
      else await this.login(signal);
    }
  }

  private async login(signal: AbortSignal, keepingCurrent = false): Promise<void> {
    const method = this.options.method.name;
    try {
      const plan = await this.options.method.loginPlan(signal);
      const token = await this.exchange(plan, signal);
      this.replaceToken(token);
      this.succeeded();
      this.options.recorder.loginAttempted(method, 'success');
      // The accessor names the token in Vault's audit log and `vault token lookup -accessor`; the token itself is never logged.
      this.options.logger.info({ method, accessor: token.accessor, ttl_seconds: token.ttlMs / 1000, renewable: token.renewable }, 'logged in to Vault');
      this.emit('authenticated', token);
      for (const waiter of this.waiters.splice(0)) waiter();
    } catch (error) {
      if (signal.aborted) throw new AbortedError();
      this.options.recorder.loginAttempted(method, 'failure');
      this.emit('failed', error as Error);
      if (keepingCurrent) {
        this.lastErrorText = describeError(error).message;
        this.options.logger.warn({ method, error: describeError(error) }, 'Vault login for a new token failed; keeping the current token');
        return;
      }
      this.failed('refetch', error);
      this.options.logger.error({ method, error: describeError(error), attempt: this.failures }, 'Vault login failed');
    }
  }

  private async exchange(plan: LoginPlan, signal: AbortSignal): Promise<VaultToken> {
    const obtainedAt = this.now();
    if (plan.kind === 'login') {
      const response = await this.options.vault.request('login', { method: 'POST', path: plan.path, body: plan.body, signal });
      const auth = response.auth;
      if (!auth?.client_token) throw new AuthError(`Vault answered the login at ${plan.path} without a token`);
      return fromAuth(auth.client_token, auth.accessor, auth.lease_duration, auth.renewable, obtainedAt, true);
    }
    const response = await this.options.vault.request<{ ttl: number; renewable: boolean; accessor?: string }>('token_lookup', {
      method: 'GET',
      path: 'auth/token/lookup-self',
      token: plan.token,
      signal,
    });
    const data = response.data;
    if (!data) throw new AuthError('Vault answered the token lookup without data');
    return fromAuth(plan.token, data.accessor, data.ttl, data.renewable, obtainedAt, false);
  }

  private async renew(token: VaultToken, signal: AbortSignal): Promise<void> {
    const obtainedAt = this.now();
    try {
      const response: VaultResponse = await this.options.vault.request('token_renew', {
        method: 'POST',
        path: 'auth/token/renew-self',
        body: { increment: `${Math.round(token.requestedTtlMs / 1000)}s` },
        token: token.token,
        signal,
      });
      const auth = response.auth;
      if (!auth) throw new AuthError('Vault answered the token renewal without auth data');
      // Invalidated (a 403 elsewhere) while the renewal was in flight: the login it asked for wins.
      if (this.token?.token !== token.token) return;
      const ttlMs = auth.lease_duration * 1000;
      if (ttlMs <= 0 && token.ttlMs > 0) {
        // No time granted: the token ends now. Kept as TTL 0 it would read as "never expires".
        this.options.recorder.tokenRenewed('failure');
        this.options.logger.warn('Vault token reached its max TTL; logging in again');
        this.replaceToken(undefined, this.now());
        return;
      }
      const capped = ttlMs < token.requestedTtlMs || !auth.renewable;
      this.token = { ...token, ttlMs, renewable: auth.renewable, obtainedAt, capped };
      if (capped && !token.capped) this.tokenChanged();
      this.succeeded();
      this.settled = true;
      this.options.recorder.tokenRenewed('success');
      this.options.logger.debug({ ttl_seconds: auth.lease_duration, capped: this.token.capped }, 'renewed the Vault token');
    } catch (error) {
      if (signal.aborted) throw new AbortedError();
      this.options.recorder.tokenRenewed('failure');
      if (error instanceof VaultPermissionDeniedError || error instanceof VaultRequestRejectedError) {
        // Revoked, expired or not renewable after all: only a new login helps.
        this.options.logger.warn({ error: describeError(error) }, 'Vault token can no longer be renewed; logging in again');
        this.replaceToken(undefined, this.now());
        return;
      }
      this.failed('renew', error);
      this.options.logger.warn({ error: describeError(error), attempt: this.failures }, 'Vault token renewal failed; will retry');
    }
  }

  private succeeded(): void {
    this.lastErrorText = undefined;
    this.failures = 0;
    this.failedAction = undefined;
    this.retryAfterMs = undefined;
  }

  /**
   * For metrics: the token's expiry, granted TTL and planned renewal; after the token expired or
   * was dropped (revoked, max TTL), the last one's, ending when it ended, until a login replaces
   * it. So a lapse stays visible as a token past its end instead of a series that vanishes.
   */
  timing(): TokenTiming | undefined {
    const token = this.token;
    return token ? { expiresAt: tokenExpiresAt(token), ttlMs: token.ttlMs, nextRenewalAt: this.plannedAt } : this.ended;
  }

  /** The last login or renewal failure, value-free, until the next success. */
  lastError(): string | undefined {
    return this.lastErrorText;
  }

  private failed(action: Action, error: unknown): void {
    this.lastErrorText = describeError(error).message;
    this.failures++;
    this.failedAction = action;
    this.retryAfterMs = (error as { retryAfterMs?: number }).retryAfterMs;
  }

  /** What a restarted agent needs to adopt this token instead of logging in again. */
  persisted(): { token?: PersistedToken; retired: Record<string, number> } {
    const token = this.current();
    return { token: token?.owned ? { ...token } : undefined, retired: Object.fromEntries(this.retired) };
  }

  /**
   * Takes over the token of a previous run (before start()): asks Vault whether it is still
   * alive (lookup-self). A dead token is remembered as retired now, so leases obtained with it
   * are known to be gone. With Vault unreachable the saved timing is trusted; the first 403
   * will send the agent to log in.
   */
  async adopt(saved: PersistedToken, retired: Record<string, number>, signal: AbortSignal): Promise<boolean> {
    const now = this.now();
    for (const [token, expiresAt] of Object.entries(retired)) if (expiresAt > now) this.retired.set(token, expiresAt);
    let token: VaultToken = { ...saved };
    try {
      const response = await this.options.vault.request<{ ttl: number; renewable: boolean }>('token_lookup', {
        method: 'GET',
        path: 'auth/token/lookup-self',
        token: saved.token,
        signal,
      });
      const ttlMs = Math.max(0, response.data?.ttl ?? 0) * 1000;
      if (ttlMs <= 0 && saved.ttlMs > 0) throw new VaultPermissionDeniedError('token_lookup', 403, ['token expired']);
      token = { ...saved, ttlMs, renewable: Boolean(response.data?.renewable), obtainedAt: this.now() };
    } catch (error) {
      if (signal.aborted) throw new AbortedError();
      if (error instanceof VaultPermissionDeniedError || error instanceof VaultRequestRejectedError || tokenExpiresAt(saved) <= now) {
        this.retired.set(saved.token, now);
        this.options.logger.info('the token of a previous run is no longer valid; logging in');
        return false;
      }
    }
    this.token = token;
    this.options.logger.info({ ttl_seconds: token.ttlMs / 1000 }, 'adopted the Vault token of a previous run');
    this.emit('authenticated', token);
    for (const waiter of this.waiters.splice(0)) waiter();
    return true;
  }

  /** Revokes the token at shutdown if vaultlet created it. */
  async revoke(signal: AbortSignal): Promise<boolean> {
    const token = this.current();
    if (!token?.owned) return false;
    await this.options.vault.request('token_revoke', { method: 'POST', path: 'auth/token/revoke-self', token: token.token, signal, maxRetries: 0 });
    this.replaceToken(undefined, this.now());
    return true;
  }
}

function fromAuth(token: string, accessor: string | undefined, ttlSeconds: number, renewable: boolean, obtainedAt: number, owned: boolean): VaultToken {
  const ttlMs = Math.max(0, ttlSeconds) * 1000;
  return { token, accessor, ttlMs, renewable, obtainedAt, requestedTtlMs: ttlMs, capped: false, owned };
}
