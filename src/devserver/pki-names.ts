/** The parts of a PKI role that decide which names a certificate may carry. */
export interface NamePolicy {
  readonly allowedDomains: readonly string[];
  readonly allowBareDomains: boolean;
  readonly allowSubdomains: boolean;
  readonly allowGlobDomains: boolean;
  readonly allowAnyName: boolean;
  readonly allowLocalhost: boolean;
  readonly allowWildcardCertificates: boolean;
  readonly enforceHostnames: boolean;
}

/** Vault's hostnameRegex: dot-separated labels of letters, digits and inner hyphens. */
const HOSTNAME = /^(\*\.)?(([a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])\.)*([A-Za-z0-9]|[A-Za-z0-9][A-Za-z0-9-]*[A-Za-z0-9])\.?$/;

export const isHostname = (name: string): boolean => HOSTNAME.test(name);

/**
 * The first name the role does not allow, or undefined; Vault's validateNames in order: email
 * split, wildcard reduction, enforce_hostnames, allow_any_name, localhost, then allowed_domains
 * (bare, subdomain, glob). Internationalised names are not converted with IDNA here.
 */
export function firstDisallowedName(policy: NamePolicy, names: readonly string[]): string | undefined {
  return names.find((name) => !allowed(policy, name));
}

function allowed(policy: NamePolicy, name: string): boolean {
  let reduced = name;
  let emailDomain = name;
  const isEmail = name.includes('@');
  if (isEmail) {
    const parts = name.split('@');
    if (parts.length !== 2) return false;
    reduced = emailDomain = parts[1]!;
  }
  const firstLabel = reduced.split('.')[0] ?? '';
  const isWildcard = firstLabel.includes('*');
  if (isWildcard) {
    if (!policy.allowWildcardCertificates || isEmail) return false;
    // RFC 6125: the wildcard may only appear in the left-most label, with something after it.
    const dot = reduced.indexOf('.');
    if (dot < 0 || reduced.slice(dot + 1).includes('*')) return false;
    reduced = reduced.slice(dot + 1);
  }
  if (policy.enforceHostnames && (reduced === '' || !HOSTNAME.test(reduced))) return false;
  if (policy.allowAnyName) return true;
  if (policy.allowLocalhost) {
    if (['localhost', 'localdomain'].includes(reduced) || (isEmail && ['localhost', 'localdomain'].includes(emailDomain))) return true;
    if (policy.allowSubdomains) {
      for (const base of ['localhost', 'localdomain']) {
        if (reduced.endsWith(`.${base}`) || (isWildcard && reduced === base)) return true;
      }
    }
  }
  for (const domain of policy.allowedDomains) {
    if (domain === '') continue;
    const same = (a: string) => a.toLowerCase() === domain.toLowerCase();
    if (policy.allowBareDomains && (same(name) || (isEmail && same(emailDomain)))) return true;
    if (policy.allowSubdomains && (reduced.endsWith(`.${domain}`) || (isWildcard && same(reduced)))) return true;
    if (policy.allowGlobDomains && domain.includes('*') && globMatches(domain, name)) return true;
  }
  return false;
}

/** go-glob: `*` matches any run of characters, everything else literally. */
function globMatches(pattern: string, subject: string): boolean {
  const source = pattern.split('*').map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('.*');
  return new RegExp(`^${source}$`).test(subject);
}
