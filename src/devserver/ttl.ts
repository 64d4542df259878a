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
 * issue time + effective max TTL, and capping adds Vault's warning. A capped TTL is the exact
 * time left truncated to whole seconds, and that is the lifetime granted (checked against
 * bao server -dev: a token renewed 5.3 s into a 6 s max TTL gets 1 s and expires 1 s later;
 * renewed with under a second left, it is refused: see tokens.ts).
 */
export function calculateTtl(input: TtlInput): { ttl: number; warnings: string[] } {
  const warnings: string[] = [];
  const explicit = input.explicitMaxTtl ?? 0;
  const elapsedMs = input.now - input.issueTime;
  if (input.period && input.period > 0) {
    let ttl = Math.min(input.period, SYSTEM_MAX_TTL);
    if (explicit > 0) ttl = capTo(ttl, explicit * 1000 - elapsedMs, warnings);
    return { ttl, warnings };
  }
  const ttl = input.increment > 0 ? input.increment : input.defaultTtl > 0 ? input.defaultTtl : SYSTEM_DEFAULT_TTL;
  let maxTtl = SYSTEM_MAX_TTL;
  if (input.maxTtl > 0 && input.maxTtl < maxTtl) maxTtl = input.maxTtl;
  if (explicit > 0 && explicit < maxTtl) maxTtl = explicit;
  return { ttl: capTo(ttl, maxTtl * 1000 - elapsedMs, warnings), warnings };
}

function capTo(ttl: number, remainingMs: number, warnings: string[]): number {
  if (ttl * 1000 <= remainingMs) return ttl;
  const capped = Math.max(0, Math.floor(remainingMs / 1000));
  warnings.push(`TTL of "${formatGoDuration(ttl)}" exceeded the effective max_ttl of "${formatGoDuration(capped)}"; TTL value is capped accordingly`);
  return capped;
}
