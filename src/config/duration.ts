import { ConfigError } from '../errors.js';

// Go's time.ParseDuration units, so values copied from Vault Agent or consul-template configs work.
const UNIT_MS: Record<string, number> = { ns: 1e-6, us: 1e-3, µs: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
const GO_DURATION = /^(?:\d+(?:\.\d*)?|\.\d+)(?:ns|us|µs|ms|s|m|h)(?:(?:\d+(?:\.\d*)?|\.\d+)(?:ns|us|µs|ms|s|m|h))*$/;
const PART = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)/g;
const PLAIN_SECONDS = /^(?:\d+(?:\.\d*)?|\.\d+)$/;
const EXPECTED = 'must be a duration like "250ms", "30s", "5m" or "1h30m", or a number of seconds';

/** Milliseconds, or a description of what is wrong (without the key). */
export function durationOrProblem(value: unknown): number | string {
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) return `${EXPECTED} (got ${value})`;
    if (value < 0) return `must not be negative (got ${value})`;
    return toNanosecondPrecision(value * 1000);
  }
  if (typeof value !== 'string') return EXPECTED;
  const text = value.trim();
  const shown = JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (text.startsWith('-')) return `must not be negative (got ${shown})`;
  if (PLAIN_SECONDS.test(text)) return toNanosecondPrecision(Number(text) * 1000);
  if (!GO_DURATION.test(text)) return `${EXPECTED} (got ${shown})`;
  let ms = 0;
  for (const [, amount, unit] of text.matchAll(PART)) ms += Number(amount) * UNIT_MS[unit!]!;
  return Number.isFinite(ms) ? toNanosecondPrecision(ms) : `${EXPECTED} (got ${shown})`;
}

// Decimal fractions such as "1.1s" would otherwise come out as 1100.0000000000002.
function toNanosecondPrecision(ms: number): number {
  return Math.round(ms * 1e6) / 1e6;
}

/** Parses a Go-style duration string or a number of seconds into milliseconds; throws ConfigError naming `key`. */
export function parseDuration(value: string | number, key: string): number {
  const result = durationOrProblem(value);
  if (typeof result === 'string') throw new ConfigError(`Invalid duration for ${key}`, [`${key}: ${result}`]);
  return result;
}
