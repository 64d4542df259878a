import { durationOrProblem } from './duration.js';
import { addressProblem } from './fields.js';
import type { VaultConfig } from './types.js';

/**
 * Vault's standard client environment variables. As in Vault Agent they win over the file, so one
 * image and config can point at different Vaults per deployment. Empty values count as unset.
 */
const STRING_VARIABLES = {
  VAULT_NAMESPACE: 'namespace',
  VAULT_CACERT: 'caCert',
  VAULT_CAPATH: 'caPath',
  VAULT_CLIENT_CERT: 'clientCert',
  VAULT_CLIENT_KEY: 'clientKey',
} as const;

// Go's strconv.ParseBool, which Vault uses for VAULT_SKIP_VERIFY.
const TRUE = new Set(['1', 't', 'T', 'true', 'TRUE', 'True']);
const FALSE = new Set(['0', 'f', 'F', 'false', 'FALSE', 'False']);

export function vaultEnvOverrides(env: NodeJS.ProcessEnv): { overrides: Partial<VaultConfig>; issues: string[] } {
  const overrides: Partial<VaultConfig> = {};
  const issues: string[] = [];
  const read = (name: string) => (env[name] === undefined || env[name] === '' ? undefined : env[name]);

  const address = read('VAULT_ADDR');
  if (address !== undefined) {
    const problem = addressProblem(address);
    if (problem) issues.push(`VAULT_ADDR: ${problem}`);
    else overrides.address = address;
  }
  for (const [name, key] of Object.entries(STRING_VARIABLES)) {
    const value = read(name);
    if (value !== undefined) overrides[key] = value;
  }
  const skipVerify = read('VAULT_SKIP_VERIFY');
  if (skipVerify !== undefined) {
    if (TRUE.has(skipVerify)) overrides.tlsSkipVerify = true;
    else if (FALSE.has(skipVerify)) overrides.tlsSkipVerify = false;
    else issues.push(`VAULT_SKIP_VERIFY: must be true or false (got ${JSON.stringify(skipVerify.slice(0, 20))})`);
  }
  const maxRetries = read('VAULT_MAX_RETRIES');
  if (maxRetries !== undefined) {
    if (/^\d+$/.test(maxRetries.trim())) overrides.maxRetries = Number(maxRetries);
    else issues.push(`VAULT_MAX_RETRIES: must be a non-negative integer (got ${JSON.stringify(maxRetries.slice(0, 20))})`);
  }
  const timeout = read('VAULT_CLIENT_TIMEOUT');
  if (timeout !== undefined) {
    const ms = durationOrProblem(timeout);
    if (typeof ms === 'string') issues.push(`VAULT_CLIENT_TIMEOUT: ${ms}`);
    else if (ms <= 0) issues.push('VAULT_CLIENT_TIMEOUT: must be greater than 0');
    else overrides.requestTimeoutMs = ms;
  }
  return { overrides, issues };
}
