import { z } from 'zod';
import {
  absolutePath, duration, fileMode, fileName, nonEmptyString, nonNegativeInteger, vaultAddress, vaultPath,
} from './fields.js';

/** The YAML document as users write it (snake_case). Parsing fills defaults and resolves durations and modes. */

export const SECRET_NAME = /^[a-z0-9][a-z0-9_.-]{0,62}$/;

const vault = z.strictObject({
  address: vaultAddress().default('http://127.0.0.1:8200'),
  namespace: nonEmptyString().optional(),
  ca_cert: nonEmptyString().optional(),
  ca_path: nonEmptyString().optional(),
  client_cert: nonEmptyString().optional(),
  client_key: nonEmptyString().optional(),
  tls_skip_verify: z.boolean().default(false),
  max_retries: nonNegativeInteger().default(2),
  request_timeout: duration(1, '1ms').prefault('30s'),
  retry_cap: duration(1, '1ms').prefault('30s'),
});

const kubernetesAuth = z.strictObject({
  method: z.literal('kubernetes'),
  mount: vaultPath().default('kubernetes'),
  role: z.string({ error: (issue) => (issue.input === undefined ? 'required for method kubernetes' : undefined) })
    .min(1, 'must not be empty'),
  token_path: absolutePath().default('/var/run/secrets/kubernetes.io/serviceaccount/token'),
});

const tokenFileAuth = z.strictObject({
  method: z.literal('token_file'),
  path: z.string({ error: (issue) => (issue.input === undefined ? 'required for method token_file' : undefined) })
    .min(1, 'must not be empty'),
});

const output = z.strictObject({
  directory: absolutePath(),
  mode: fileMode().prefault('0400'),
  uid: nonNegativeInteger().optional(),
  gid: nonNegativeInteger().optional(),
});

const secretCommon = {
  name: z.string().regex(SECRET_NAME, `must match ${SECRET_NAME.source} (lowercase letters, digits, "_", ".", "-"; at most 63 characters)`),
  path: vaultPath(),
  file: fileName().optional(),
  format: z.enum(['json', 'env', 'raw']).default('json'),
  field: nonEmptyString().optional(),
  env_prefix: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be letters, digits and "_", not starting with a digit').optional(),
  mode: fileMode().optional(),
};

const leasedSecret = z.strictObject({
  ...secretCommon,
  kind: z.literal('leased'),
  method: z.enum(['GET', 'POST']).default('GET'),
  params: z.record(z.string(), z.unknown()).optional(),
});

const kv2Secret = z.strictObject({
  ...secretCommon,
  kind: z.literal('kv2'),
  mount: vaultPath().default('secret'),
  version: z.number().int('must be an integer').min(1, 'must be >= 1 (omit it for the latest version)').optional(),
  refresh_interval: duration(1000, '1s').prefault('5m'),
});

/** Keys valid for one kind only, so "unknown key" can say where the key belongs. */
export const KIND_ONLY_KEYS: Readonly<Record<string, string>> = {
  method: 'leased', params: 'leased', mount: 'kv2', version: 'kv2', refresh_interval: 'kv2',
};

const listen = z.union(
  [
    z.literal(false),
    z.strictObject({
      host: nonEmptyString().default('0.0.0.0'),
      port: z.number().int('must be an integer').min(0, 'must be between 0 and 65535').max(65535, 'must be between 0 and 65535').default(8098),
    }),
  ],
  { error: 'must be false or a mapping with host and port' },
);

export const documentSchema = z
  .strictObject({
    vault: vault.prefault({}),
    auth: z.discriminatedUnion('method', [kubernetesAuth, tokenFileAuth]),
    output,
    secrets: z.array(z.discriminatedUnion('kind', [leasedSecret, kv2Secret])).min(1, 'must list at least one secret'),
    listen: listen.prefault({}),
    // Where the token and leases are kept so a restarted agent adopts them instead of leasing anew.
    state: z.union([z.literal(false), z.strictObject({ file: absolutePath().optional() })], { error: 'must be false or a mapping with file' }).prefault({}),
    shutdown: z.strictObject({ revoke: z.boolean().default(true), grace_period: duration(0, '0s').prefault('5s') }).prefault({}),
    log: z.strictObject({ level: z.enum(['debug', 'info', 'warn', 'error']).default('info') }).prefault({}),
  })
  .meta({ title: 'vaultlet configuration', description: 'Configuration file of the vaultlet Vault sidecar (YAML).' });

export type ConfigDocument = z.output<typeof documentSchema>;
