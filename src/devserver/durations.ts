/**
 * Vault's duration forms: a number of seconds (JSON number or digit string) or a Go duration
 * string ("90s", "5m", "1h30m", "1.5h"), plus the "d" day suffix Vault's parseutil accepts.
 */
const UNIT_SECONDS: Record<string, number> = {
  ns: 1e-9,
  us: 1e-6,
  µs: 1e-6,
  ms: 1e-3,
  s: 1,
  m: 60,
  h: 3600,
  d: 86400,
};

export class DurationError extends Error {}

/** Whole seconds (fractions truncated, as Vault does); undefined/null/"" mean 0. */
export function parseDurationSeconds(value: unknown): number {
  if (value === undefined || value === null || value === '') return 0;
  if (typeof value === 'number') {
    if (!Number.isFinite(value) || value < 0) throw new DurationError(`invalid duration: ${value}`);
    return Math.trunc(value);
  }
  if (typeof value !== 'string') throw new DurationError('duration must be a number or a string');
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text);
  const part = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h|d)/y;
  let total = 0;
  let index = 0;
  while (index < text.length) {
    part.lastIndex = index;
    const match = part.exec(text);
    if (!match) throw new DurationError(`invalid duration: ${JSON.stringify(value)}`);
    total += Number(match[1]) * UNIT_SECONDS[match[2]!]!;
    index = part.lastIndex;
  }
  if (index === 0) throw new DurationError(`invalid duration: ${JSON.stringify(value)}`);
  return Math.trunc(total + 1e-9);
}

/** Go's time.Duration.String() for whole seconds, which Vault puts in its TTL warnings. */
export function formatGoDuration(seconds: number): string {
  const total = Math.max(0, Math.trunc(seconds));
  const hours = Math.floor(total / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const secs = total % 60;
  if (hours > 0) return `${hours}h${minutes}m${secs}s`;
  if (minutes > 0) return `${minutes}m${secs}s`;
  return `${secs}s`;
}
