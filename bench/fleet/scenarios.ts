import { defaultBackoff } from '../../src/lease/backoff.js';
import { summariseRates, type RateSummary } from './rates.js';
import { simulateFleet, type FleetOptions, type FleetResult, type Policy, type SecretKind } from './simulation.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

/** vaultlet's defaults: max_retries 2, retry_cap 30 s (Agent.backoffFor and VaultClient). */
export const AGENT_DEFAULTS = {
  maxRetries: 2,
  backoff: defaultBackoff,
  clientBackoff: { baseMs: 250, capMs: 30_000, floorMs: 50 },
} as const;

/** A typical pod: a KV secret re-read every 5 minutes and two 1 h database leases (24 h max). */
export const TYPICAL_POD = {
  secrets: ['kv', 'renewable', 'renewable'] as SecretKind[],
  kvIntervalMs: 5 * MINUTE,
  leaseTtlMs: HOUR,
  leaseMaxTtlMs: 24 * HOUR,
  tokenTtlMs: HOUR,
  tokenMaxTtlMs: 0,
};

export const PEAK_WINDOW_MS = 10_000;

export interface FleetScenarioResult {
  readonly name: string;
  readonly agents: number;
  readonly result: FleetResult;
  /** The figure the target is about. */
  readonly after: RateSummary;
  /** For context: the outage run's steady state before the outage. */
  readonly before?: RateSummary;
  /** For context: the outage run's attempts while Vault is down (each one refused). */
  readonly during?: RateSummary;
  /** For context: the started-together run's first second, which `after` leaves out. */
  readonly burst?: RateSummary;
  readonly window: { readonly fromMs: number; readonly toMs: number };
}

/**
 * 10,000 agents started in the same instant (a cluster-wide rollout), watched for 4 hours. The
 * figure is judged from one second after the last agent is ready: the first second holds every
 * agent's login and first reads at once (`burst`), which no spread of later requests can avoid.
 */
export function startTogether(agents: number, policy?: Policy, durationMs = 4 * HOUR): FleetScenarioResult {
  const result = simulateFleet({ ...base(agents, durationMs, policy), startSpreadMs: 0, outages: [] });
  const window = { fromMs: Math.ceil(result.readyAt / 1000) * 1000 + 1000, toMs: durationMs };
  return {
    name: 'started together', agents, result, window,
    after: summariseRates(result.requests, result.binMs, window.fromMs, window.toMs, PEAK_WINDOW_MS),
    burst: summariseRates(result.requests, result.binMs, 0, window.fromMs, result.binMs),
  };
}

/**
 * A settled fleet (started over an hour, two hours before) through a 5-minute outage in which
 * Vault refuses connections; the rate is judged from the end of the outage on (the recovery).
 * The attempts during the outage (`during`: every secret retrying within retry_cap) are reported
 * beside it, against the settled mean.
 */
export function afterOutage(agents: number, policy?: Policy, durationMs = 4 * HOUR): FleetScenarioResult {
  const outage = { fromMs: 2 * HOUR, toMs: 2 * HOUR + 5 * MINUTE };
  const result = simulateFleet({ ...base(agents, durationMs, policy), startSpreadMs: HOUR, outages: [outage] });
  const window = { fromMs: outage.toMs, toMs: durationMs };
  return {
    name: 'after a 5 min outage',
    agents,
    result,
    window,
    before: summariseRates(result.requests, result.binMs, HOUR + 10 * MINUTE, outage.fromMs, PEAK_WINDOW_MS),
    during: summariseRates(result.requests, result.binMs, outage.fromMs, outage.toMs, PEAK_WINDOW_MS),
    after: summariseRates(result.requests, result.binMs, window.fromMs, window.toMs, PEAK_WINDOW_MS),
  };
}

function base(agents: number, durationMs: number, policy?: Policy): Omit<FleetOptions, 'startSpreadMs' | 'outages'> {
  return { agents, ...TYPICAL_POD, ...AGENT_DEFAULTS, durationMs, binMs: 1000, seed: 7, ...(policy ? { policy } : {}) };
}

export interface PerSecretRate {
  readonly kind: string;
  /** Requests to Vault per secret per hour, from the schedule over a simulated day. */
  readonly perHour: number;
}

/**
 * Requests per secret per hour for one kind of secret, from `nextAction` over a simulated day
 * (many agents with one secret each; the first fetch is included, once per day). The agent's
 * token is counted apart: it is shared by all of a pod's secrets.
 */
export function requestsPerSecretHour(kind: SecretKind, timing: { kvIntervalMs?: number; leaseTtlMs?: number; leaseMaxTtlMs?: number }, durationMs = 24 * HOUR, agents = 500): number {
  const result = simulateFleet({
    agents, secrets: [kind], ...AGENT_DEFAULTS, kvIntervalMs: timing.kvIntervalMs ?? 5 * MINUTE, leaseTtlMs: timing.leaseTtlMs ?? HOUR,
    leaseMaxTtlMs: timing.leaseMaxTtlMs ?? 0, tokenTtlMs: 0, tokenMaxTtlMs: 0, startSpreadMs: 0, outages: [], durationMs, binMs: 60_000, seed: 11,
  });
  const secretRequests = result.byKind.kv_read + result.byKind.lease_read + result.byKind.lease_renew;
  return secretRequests / agents / (durationMs / HOUR);
}

/** The agent token alone: logins and renewals per agent per hour. */
export function tokenRequestsPerHour(tokenTtlMs: number, tokenMaxTtlMs: number, durationMs = 24 * HOUR, agents = 500): number {
  const result = simulateFleet({
    agents, secrets: [], ...AGENT_DEFAULTS, kvIntervalMs: 5 * MINUTE, leaseTtlMs: HOUR, leaseMaxTtlMs: 0, tokenTtlMs, tokenMaxTtlMs,
    startSpreadMs: 0, outages: [], durationMs, binMs: 60_000, seed: 13,
  });
  return (result.byKind.login + result.byKind.token_renew) / agents / (durationMs / HOUR);
}
