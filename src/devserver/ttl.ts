import { formatGoDuration } from './durations.js';

/** Vault's mount defaults: both the default and the maximum lease TTL are 768h (32 days). */
export const SYSTEM_DEFAULT_TTL = 768 * 3600;
export const SYSTEM_MAX_TTL = 768 * 3600;

export interface TtlInput {
  /** Requested seconds; 0 means "use the backend default". */
  increment: number;
  /** The role's or token's default TTL in seconds; 0 means the system default. */
  defaultTtl: number;
  /** Periodic tokens always renew to their period. */
  period?: number;
  /** The role's max TTL in seconds; 0 means the system max. */
  maxTtl: number;
  explicitMaxTtl?: number;
  /** When the lease or token was first issued (epoch ms): max TTL counts from here. */
  issueTime: number;
  now: number;
}

/**
 * The TTL a new or renewed lease gets, following Vault's CalculateTTL: expiry never passes
 * issue time + effective max TTL, and capping adds Vault's warning. Vault caps with the exact
 * time left and reports whole seconds rounded down, so `ttlMs` (the real lifetime, what expiry is
 * set from) can exceed `ttl` * 1000 by under a second; rounding the elapsed time instead would let
 * a renewal 4.6 s into a 6 s max TTL report 2 s, uncapped, and outlive the max.
 */
export function calculateTtl(input: TtlInput): { ttl: number; ttlMs: number; warnings: string[] } {
  const warnings: string[] = [];
  const explicit = input.explicitMaxTtl ?? 0;
  const elapsedMs = input.now - input.issueTime;
  let ttlMs: number;
  if (input.period && input.period > 0) {
    ttlMs = Math.min(input.period, SYSTEM_MAX_TTL) * 1000;
    if (explicit > 0) ttlMs = capTo(ttlMs, explicit * 1000 - elapsedMs, warnings);
  } else {
    const ttl = input.increment > 0 ? input.increment : input.defaultTtl > 0 ? input.defaultTtl : SYSTEM_DEFAULT_TTL;
    let maxTtl = SYSTEM_MAX_TTL;
    if (input.maxTtl > 0 && input.maxTtl < maxTtl) maxTtl = input.maxTtl;
    if (explicit > 0 && explicit < maxTtl) maxTtl = explicit;
    ttlMs = capTo(ttl * 1000, maxTtl * 1000 - elapsedMs, warnings);
  }
  ttlMs = Math.max(0, ttlMs);
  return { ttl: Math.floor(ttlMs / 1000), ttlMs, warnings };
}

function capTo(ttlMs: number, remainingMs: number, warnings: string[]): number {
  if (ttlMs <= remainingMs) return ttlMs;
  const capped = Math.max(0, remainingMs);
  warnings.push(
    `TTL of "${formatGoDuration(ttlMs / 1000)}" exceeded the effective max_ttl of "${formatGoDuration(Math.floor(capped / 1000))}"; TTL value is capped accordingly`,
  );
  return capped;
}
