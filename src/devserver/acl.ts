import type { Capability, PathRule } from './policy.js';

/**
 * Vault's ACL decision: policies merged per path pattern, the most specific matching pattern
 * decides, and deny there wins. Pure functions.
 */
/** The merged rules of several policies: same patterns union their capabilities. */
export type Acl = Map<string, Set<Capability>>;

export function buildAcl(policies: readonly PathRule[][]): Acl {
  const acl: Acl = new Map();
  for (const rules of policies) {
    for (const rule of rules) {
      const caps = acl.get(rule.pattern) ?? new Set<Capability>();
      rule.capabilities.forEach((cap) => caps.add(cap));
      acl.set(rule.pattern, caps);
    }
  }
  return acl;
}

export function patternMatches(pattern: string, path: string): boolean {
  const glob = pattern.endsWith('*');
  const base = glob ? pattern.slice(0, -1) : pattern;
  const source = base
    .split('/')
    .map((segment) => (segment === '+' ? '[^/]+' : segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
    .join('/');
  return new RegExp(`^${source}${glob ? '[\\s\\S]*' : ''}$`).test(path);
}

function firstWildcard(pattern: string): number {
  const positions = [pattern.indexOf('+'), pattern.indexOf('*')].filter((i) => i >= 0);
  return positions.length ? Math.min(...positions) : Number.POSITIVE_INFINITY;
}

/** Vault's priority rules: negative when `a` is less specific than `b`. */
export function comparePriority(a: string, b: string): number {
  const wildA = firstWildcard(a);
  const wildB = firstWildcard(b);
  if (wildA !== wildB) return wildA < wildB ? -1 : 1;
  const globA = a.endsWith('*');
  const globB = b.endsWith('*');
  if (globA !== globB) return globA ? -1 : 1;
  const plusA = a.split('/').filter((s) => s === '+').length;
  const plusB = b.split('/').filter((s) => s === '+').length;
  if (plusA !== plusB) return plusA > plusB ? -1 : 1;
  if (a.length !== b.length) return a.length < b.length ? -1 : 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Capabilities of the most specific matching pattern (deny there removes everything). */
export function capabilitiesFor(acl: Acl, path: string): Set<Capability> {
  let best: string | undefined;
  for (const pattern of acl.keys()) {
    if (patternMatches(pattern, path) && (best === undefined || comparePriority(pattern, best) > 0)) best = pattern;
  }
  const caps = best === undefined ? new Set<Capability>() : acl.get(best)!;
  return caps.has('deny') ? new Set<Capability>(['deny']) : caps;
}

export function allows(acl: Acl, path: string, capability: Capability): boolean {
  const caps = capabilitiesFor(acl, path);
  return !caps.has('deny') && caps.has(capability);
}
