import { allows, buildAcl, type Acl } from './acl.js';
import { parsePolicy, type Capability, type PathRule } from './policy.js';

/**
 * The parts of Vault's built-in default policy that this server implements (token self-service,
 * lease renew and lookup by id), with Vault's own comments. Vault's default policy also grants
 * cubbyhole, wrapping, tools and capabilities-self, which this server does not implement.
 */
export const DEFAULT_POLICY = `# Allow tokens to look up their own properties
path "auth/token/lookup-self" {
    capabilities = ["read"]
}

# Allow tokens to renew themselves
path "auth/token/renew-self" {
    capabilities = ["update"]
}

# Allow tokens to revoke themselves
path "auth/token/revoke-self" {
    capabilities = ["update"]
}

# Allow a token to renew a lease via lease_id in the request body; old path for
# old clients, new path for newer
path "sys/renew" {
    capabilities = ["update"]
}
path "sys/leases/renew" {
    capabilities = ["update"]
}

# Allow looking up lease properties. This requires knowing the lease ID ahead
# of time and does not divulge any sensitive information.
path "sys/leases/lookup" {
    capabilities = ["update"]
}

# Allow a token to wrap arbitrary values in a response-wrapping token
path "sys/wrapping/wrap" {
    capabilities = ["update"]
}

# Allow a token to look up the creation time and TTL of a given
# response-wrapping token
path "sys/wrapping/lookup" {
    capabilities = ["update"]
}

# Allow a token to unwrap a response-wrapping token. This is a convenience to
# avoid client token swapping since this is also part of the response wrapping
# policy.
path "sys/wrapping/unwrap" {
    capabilities = ["update"]
}
`;

export class PolicyStore {
  private readonly policies = new Map<string, { text: string; rules: PathRule[]; version: number; modified: number }>();
  /** Merged ACLs by policy-name set; cleared on every policy change. */
  private readonly acls = new Map<string, Acl>();

  constructor() {
    this.put('default', DEFAULT_POLICY);
  }

  /** Throws PolicyParseError for a policy Vault would refuse. Names are lower-cased like Vault. */
  put(name: string, text: string, now = Date.now()): void {
    const key = name.toLowerCase();
    const version = (this.policies.get(key)?.version ?? 0) + 1;
    this.policies.set(key, { text, rules: parsePolicy(text), version, modified: now });
    this.acls.clear();
  }

  get(name: string): string | undefined {
    if (name === 'root') return '';
    return this.policies.get(name.toLowerCase())?.text;
  }

  /** OpenBao counts each write of a policy and remembers when it happened (epoch ms). */
  revision(name: string): { version: number; modified: number } | undefined {
    const entry = this.policies.get(name.toLowerCase());
    return entry && { version: entry.version, modified: entry.modified };
  }

  delete(name: string): void {
    this.policies.delete(name.toLowerCase());
    this.acls.clear();
  }

  names(): string[] {
    return [...this.policies.keys(), 'root'].sort();
  }

  /** Whether tokens holding these policies may use `capability` on `path`. */
  allows(policyNames: readonly string[], path: string, capability: Capability): boolean {
    if (policyNames.includes('root')) return true;
    const key = policyNames.join('\n');
    let acl = this.acls.get(key);
    if (!acl) {
      acl = buildAcl(policyNames.map((name) => this.policies.get(name)?.rules ?? []));
      this.acls.set(key, acl);
    }
    return allows(acl, path, capability);
  }
}
