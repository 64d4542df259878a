import * as z from 'zod';
import { absolutePath, nonEmptyString, vaultPath } from './fields.js';

/** The auth methods vaultlet logs in with; each names its own required keys. */

const SERVICE_ACCOUNT_TOKEN = '/var/run/secrets/kubernetes.io/serviceaccount/token';

function requiredFor(method: string) {
  return z.string({ error: (issue) => (issue.input === undefined ? `required for method ${method}` : undefined) }).min(1, 'must not be empty');
}

const kubernetesAuth = z.strictObject({
  method: z.literal('kubernetes'),
  mount: vaultPath().default('kubernetes'),
  role: requiredFor('kubernetes'),
  token_path: absolutePath().default(SERVICE_ACCOUNT_TOKEN),
});

// Vault checks the projected token against the cluster's published keys: no TokenReview per login.
const jwtAuth = z.strictObject({
  method: z.literal('jwt'),
  mount: vaultPath().default('jwt'),
  role: requiredFor('jwt'),
  token_path: absolutePath().default(SERVICE_ACCOUNT_TOKEN),
  audience: nonEmptyString().optional(),
});

const approleAuth = z.strictObject({
  method: z.literal('approle'),
  mount: vaultPath().default('approle'),
  role_id_file: absolutePath(),
  secret_id_file: absolutePath().optional(),
  /** The secret_id file holds a response-wrapping token to unwrap once. */
  secret_id_wrapped: z.boolean().default(false),
  remove_secret_id_file: z.boolean().default(false),
});

const tokenFileAuth = z.strictObject({
  method: z.literal('token_file'),
  path: requiredFor('token_file'),
  /** The file holds a response-wrapping token around the real one (bootstrap). */
  wrapped: z.boolean().default(false),
});

export const authSchema = z.discriminatedUnion('method', [kubernetesAuth, jwtAuth, approleAuth, tokenFileAuth]);
