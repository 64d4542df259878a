import * as z from 'zod';
import { isLoopbackAddress } from '../access/loopback.js';
import { absolutePath, duration, fileMode, nonEmptyString, nonNegativeInteger, vaultAddress } from './fields.js';
import { authSchema } from './schema-auth.js';
import { templateEntry } from './schema-files.js';
import { secretSchema } from './schema-secrets.js';

export { KIND_ONLY_KEYS, SECRET_NAME } from './schema-secrets.js';

/** The YAML document as users write it (snake_case). Parsing fills defaults and resolves durations and modes. */

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

const output = z.strictObject({
  directory: absolutePath(),
  mode: fileMode().prefault('0400'),
  uid: nonNegativeInteger().optional(),
  gid: nonNegativeInteger().optional(),
});

const port = z.number().int('must be an integer').min(0, 'must be between 0 and 65535').max(65535, 'must be between 0 and 65535');

// Serves the same files over HTTP on loopback and counts every read exactly.
const readEndpoint = z.union(
  [
    z.literal(false),
    z.strictObject({
      // It has no authentication: a secret must not be reachable from outside the pod.
      host: nonEmptyString().refine(isLoopbackAddress, 'must be a loopback address (127.0.0.1 or ::1)').default('127.0.0.1'),
      port: port.default(8099),
    }),
  ],
  { error: 'must be false or a mapping with host and port' },
);

const listen = z.union(
  [
    z.literal(false),
    z.strictObject({
      host: nonEmptyString().default('0.0.0.0'),
      port: port.default(8098),
    }),
  ],
  { error: 'must be false or a mapping with host and port' },
);

export const documentSchema = z
  .strictObject({
    vault: vault.prefault({}),
    auth: authSchema,
    output,
    secrets: z.array(secretSchema).min(1, 'must list at least one secret'),
    // Files drawn from several secrets.
    templates: z.array(templateEntry).optional(),
    // On-change actions of files that change together run once, after this quiet period.
    actions: z.strictObject({ debounce: duration(0, '0s').prefault('1s') }).prefault({}),
    read_endpoint: readEndpoint.default(false),
    listen: listen.prefault({}),
    // Where the token and leases are kept so a restarted agent adopts them instead of leasing anew.
    // No default: the only place every agent can write is the output directory, which the app
    // reads, and the file holds the agent's Vault token (cross-checks.ts refuses it there).
    state: z.union([z.literal(false), z.strictObject({ file: absolutePath() })], { error: 'must be false or a mapping with file' }).default(false),
    shutdown: z.strictObject({ revoke: z.boolean().default(true), grace_period: duration(0, '0s').prefault('5s') }).prefault({}),
    log: z.strictObject({ level: z.enum(['debug', 'info', 'warn', 'error']).default('info') }).prefault({}),
  })
  .meta({ title: 'vaultlet configuration', description: 'Configuration file of the vaultlet Vault sidecar (YAML).' });

export type ConfigDocument = z.output<typeof documentSchema>;
