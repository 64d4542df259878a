import { backoffDelay, type BackoffLimits } from '../../src/lease/backoff.js';
import { nextAction, type Action, type Decision, type ScheduleState } from '../../src/lease/schedule.js';
import { EventQueue } from './event-queue.js';
import { seededRandom } from './random.js';

/**
 * A discrete-event simulation of a fleet of agents against one Vault, on a virtual clock. Every
 * timing decision is the agent's own: `nextAction` (src/lease/schedule.ts) for when to renew,
 * re-read or retry, and `backoffDelay` for the Vault client's retries of one request. What is
 * modelled here is only what Vault answers: instantly, and with a connection error while down.
 * The bookkeeping mirrors SecretWorker.decide/act and AuthHandler.loop (see the comments).
 */
export type SecretKind = 'kv' | 'renewable' | 'nonrenewable';
export type RequestKind = 'login' | 'token_renew' | 'kv_read' | 'lease_read' | 'lease_renew';
export const REQUEST_KINDS: readonly RequestKind[] = ['login', 'token_renew', 'kv_read', 'lease_read', 'lease_renew'];

export interface FleetOptions {
  readonly agents: number;
  /** Secrets of every agent, e.g. ['kv', 'renewable', 'renewable']. */
  readonly secrets: readonly SecretKind[];
  readonly kvIntervalMs: number;
  readonly leaseTtlMs: number;
  /** 0 = no cap. */
  readonly leaseMaxTtlMs: number;
  readonly tokenTtlMs: number;
  /** 0 = no cap. */
  readonly tokenMaxTtlMs: number;
  /** Agents start at uniformly random instants in [0, startSpreadMs); 0 = all at once. */
  readonly startSpreadMs: number;
  /** Vault refuses connections during each [fromMs, toMs). */
  readonly outages: ReadonlyArray<{ readonly fromMs: number; readonly toMs: number }>;
  readonly durationMs: number;
  readonly binMs: number;
  readonly seed: number;
  /** vault.max_retries: retries of one request inside the Vault client. */
  readonly maxRetries: number;
  /** The schedule's failure backoff (Agent's backoffFor: 1 s base, retry_cap, 250 ms floor). */
  readonly backoff: BackoffLimits;
  /** The Vault client's per-request retry backoff (250 ms base, retry_cap, 50 ms floor). */
  readonly clientBackoff: BackoffLimits;
  /**
   * The timing policy under test; the real one unless a change is being tried. It also gets
   * `first`: true until the entity's first renewal or re-read in this process (the real policy
   * ignores it; a policy that spreads a synchronised start needs it).
   */
  readonly policy?: Policy;
}

export interface FleetResult {
  readonly binMs: number;
  /** Requests sent to Vault per bin (failed ones included). */
  readonly requests: Uint32Array;
  /** Of those, the ones that failed (Vault down). */
  readonly failed: Uint32Array;
  readonly byKind: Record<RequestKind, number>;
  readonly leasesCreated: number;
  /** Virtual ms when every secret of every agent had first been written; Infinity if never. */
  readonly readyAt: number;
}

export type Policy = (state: ScheduleState & { readonly first?: boolean }, now: number, rand: number, backoff: BackoffLimits) => Decision;

type EntityKind = 'token' | SecretKind;

interface Entity {
  readonly agent: number;
  readonly kind: EntityKind;
  held: boolean;
  since: number;
  ttlMs: number;
  renewable: boolean;
  capped: boolean;
  issuedAt: number;
  grantedTtlMs: number;
  failures: number;
  failedAction: Action | undefined;
  /** Renewals and re-reads so far (never reset): 0 means the next one is the first. */
  cycles: number;
  /** The action of the pending event and the Vault client's retry count for it. */
  action: Action;
  attempt: number;
  /** A secret parked until its agent has a token (AuthHandler.tokenFor). */
  waiting: boolean;
}

export function simulateFleet(options: FleetOptions): FleetResult {
  const random = seededRandom(options.seed);
  const policy = options.policy ?? nextAction;
  const bins = Math.ceil(options.durationMs / options.binMs);
  const requests = new Uint32Array(bins);
  const failed = new Uint32Array(bins);
  const byKind = Object.fromEntries(REQUEST_KINDS.map((kind) => [kind, 0])) as Record<RequestKind, number>;
  const perAgent = 1 + options.secrets.length;
  const entities: Entity[] = [];
  const queue = new EventQueue();
  let leasesCreated = 0;
  let unwritten = options.agents * options.secrets.length;
  let readyAt = unwritten === 0 ? 0 : Number.POSITIVE_INFINITY;

  for (let agent = 0; agent < options.agents; agent++) {
    for (const kind of ['token', ...options.secrets] as EntityKind[]) {
      entities.push({
        agent, kind, held: false, since: 0, ttlMs: 0, renewable: false, capped: false, issuedAt: 0, grantedTtlMs: 0,
        failures: 0, failedAction: undefined, cycles: 0, action: 'refetch', attempt: 0, waiting: kind !== 'token',
      });
    }
    const startAt = options.startSpreadMs > 0 ? random() * options.startSpreadMs : 0;
    queue.push(startAt, agent * perAgent);
  }

  const vaultUp = (t: number) => !options.outages.some((outage) => t >= outage.fromMs && t < outage.toMs);
  const tokenValid = (agent: number, t: number) => {
    const token = entities[agent * perAgent]!;
    return token.held && (token.ttlMs <= 0 || token.since + token.ttlMs > t);
  };
  const remaining = (entity: Entity, maxTtlMs: number, t: number) => (maxTtlMs > 0 ? entity.issuedAt + maxTtlMs - t : Number.POSITIVE_INFINITY);

  /** SecretWorker.decide / AuthHandler.loop: the next action from the entity's state. */
  const decide = (entity: Entity, t: number): Decision => {
    const failure = { failures: entity.failures, failedAction: entity.failedAction, first: entity.cycles === 0 };
    if (!entity.held) {
      return entity.failures > 0
        ? policy({ kind: 'interval', since: t, ttlMs: 0, renewable: false, capped: false, ...failure }, t, random(), options.backoff)
        : { action: 'refetch', at: t };
    }
    if (entity.kind === 'kv') {
      return policy({ kind: 'interval', since: entity.since, ttlMs: options.kvIntervalMs, renewable: false, capped: false, ...failure }, t, random(), options.backoff);
    }
    return policy({ kind: 'lease', since: entity.since, ttlMs: entity.ttlMs, renewable: entity.renewable, capped: entity.capped, ...failure }, t, random(), options.backoff);
  };
  const schedule = (id: number, t: number) => {
    const decision = decide(entities[id]!, t);
    entities[id]!.action = decision.action;
    if (Number.isFinite(decision.at)) queue.push(decision.at, id);
  };
  const record = (t: number, kind: RequestKind, ok: boolean) => {
    const bin = Math.floor(t / options.binMs);
    requests[bin]!++;
    if (!ok) failed[bin]!++;
    byKind[kind]++;
  };

  const succeed = (id: number, entity: Entity, t: number): void => {
    entity.failures = 0;
    entity.failedAction = undefined;
    const renew = entity.action === 'renew' && entity.held;
    if (entity.kind === 'token') {
      const granted = renew ? Math.min(entity.grantedTtlMs, remaining(entity, options.tokenMaxTtlMs, t)) : Math.min(options.tokenTtlMs, remaining({ ...entity, issuedAt: t }, options.tokenMaxTtlMs, t));
      if (renew && (entity.since + entity.ttlMs <= t || granted <= 0)) {
        // Expired or no time granted: AuthHandler drops the token and logs in at once.
        entity.held = false;
        return schedule(id, t);
      }
      if (!renew) {
        entity.issuedAt = t;
        entity.grantedTtlMs = granted;
      }
      if (renew) entity.cycles++;
      Object.assign(entity, { held: true, since: t, ttlMs: granted, renewable: true, capped: granted < entity.grantedTtlMs });
      if (!renew) {
        for (let secret = id + 1; secret < id + perAgent; secret++) {
          if (entities[secret]!.waiting) {
            entities[secret]!.waiting = false;
            entities[secret]!.action = 'refetch';
            queue.push(t, secret);
          }
        }
      }
      return schedule(id, t);
    }
    if (!entity.held) {
      unwritten--;
      if (unwritten === 0) readyAt = t;
    }
    if (entity.kind === 'kv') {
      if (entity.held) entity.cycles++;
      Object.assign(entity, { held: true, since: t });
      return schedule(id, t);
    }
    if (!renew) {
      leasesCreated++;
      // A replacement, like a KV re-read: SecretWorker is settled after it (no first-read spread).
      if (entity.held) entity.cycles++;
      const ttl = Math.min(options.leaseTtlMs, options.leaseMaxTtlMs > 0 ? options.leaseMaxTtlMs : Number.POSITIVE_INFINITY);
      Object.assign(entity, { held: true, since: t, issuedAt: t, ttlMs: ttl, grantedTtlMs: ttl, renewable: entity.kind === 'renewable', capped: false });
      return schedule(id, t);
    }
    const granted = Math.min(entity.grantedTtlMs, remaining(entity, options.leaseMaxTtlMs, t));
    if (entity.since + entity.ttlMs <= t || granted <= 0) {
      // Vault refuses the renewal (lease gone) or grants nothing: SecretWorker.replaceNow.
      entity.action = 'refetch';
      queue.push(t, id);
      return;
    }
    entity.cycles++;
    Object.assign(entity, { since: t, ttlMs: granted, capped: granted < entity.grantedTtlMs });
    schedule(id, t);
  };

  while (queue.size > 0 && queue.peekTime() < options.durationMs) {
    const t = queue.peekTime();
    const id = queue.pop();
    const entity = entities[id]!;
    if (entity.kind !== 'token' && !tokenValid(entity.agent, t)) {
      entity.waiting = true;
      continue;
    }
    const renew = entity.action === 'renew' && entity.held;
    const kind: RequestKind =
      entity.kind === 'token' ? (renew ? 'token_renew' : 'login') : entity.kind === 'kv' ? 'kv_read' : renew ? 'lease_renew' : 'lease_read';
    const up = vaultUp(t);
    record(t, kind, up);
    if (up) {
      entity.attempt = 0;
      succeed(id, entity, t);
      continue;
    }
    if (entity.attempt < options.maxRetries) {
      // VaultClient.request: a connection error is retried inside the one call.
      entity.attempt++;
      queue.push(t + backoffDelay(entity.attempt, random(), options.clientBackoff), id);
      continue;
    }
    entity.attempt = 0;
    entity.failures++;
    entity.failedAction = entity.action;
    schedule(id, t);
  }

  return { binMs: options.binMs, requests, failed, byKind, leasesCreated, readyAt };
}
