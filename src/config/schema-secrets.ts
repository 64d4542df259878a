import * as z from 'zod';
import { duration, vaultPath } from './fields.js';
import { fileEntry, fileShape } from './schema-files.js';

/** One entry of `secrets:` per Vault read; the keys that shape its file(s) are shared by every kind. */

export const SECRET_NAME = /^[a-z0-9][a-z0-9_.-]{0,62}$/;

const refreshInterval = duration(1000, '1s').prefault('5m');

const secretCommon = {
  name: z.string().regex(SECRET_NAME, `must match ${SECRET_NAME.source} (lowercase letters, digits, "_", ".", "-"; at most 63 characters)`),
  ...fileShape,
  files: z.array(fileEntry).min(1, 'must list at least one file').optional(),
};

const leasedSecret = z.strictObject({
  ...secretCommon,
  kind: z.literal('leased'),
  path: vaultPath(),
  method: z.enum(['GET', 'POST']).default('GET'),
  params: z.record(z.string(), z.unknown()).optional(),
});

/** Any path, read as it is and read again on an interval (or on the lease Vault gives). */
const readSecret = z.strictObject({ ...secretCommon, kind: z.literal('read'), path: vaultPath(), refresh_interval: refreshInterval });

const kv2Secret = z.strictObject({
  ...secretCommon,
  kind: z.literal('kv2'),
  mount: vaultPath().default('secret'),
  path: vaultPath(),
  version: z.number().int('must be an integer').min(1, 'must be >= 1 (omit it for the latest version)').optional(),
  refresh_interval: refreshInterval,
});

const kv1Secret = z.strictObject({
  ...secretCommon,
  kind: z.literal('kv1'),
  mount: vaultPath().default('kv'),
  path: vaultPath(),
  refresh_interval: refreshInterval,
});

const pkiSecret = z.strictObject({
  ...secretCommon,
  kind: z.literal('pki'),
  mount: vaultPath().default('pki'),
  role: vaultPath(),
  params: z.record(z.string(), z.unknown()).optional(),
  /** Where in the certificate's lifetime (NotBefore → NotAfter) a new one is issued, ±0.05. */
  rotate_fraction: z.number().min(0.1, 'must be between 0.1 and 0.9').max(0.9, 'must be between 0.1 and 0.9').default(0.67),
  /** Also write <name>-bundle.pem: certificate, CA chain and private key in one file. */
  bundle: z.boolean().default(false),
});

/** database/static-creds: one long-lived user whose password Vault rotates on its own schedule. */
const staticSecret = z.strictObject({ ...secretCommon, kind: z.literal('static'), mount: vaultPath().default('database'), role: vaultPath() });

export const secretSchema = z.discriminatedUnion('kind', [leasedSecret, readSecret, kv2Secret, kv1Secret, pkiSecret, staticSecret]);

/** Keys valid for some kinds only, so "unknown key" can say where the key belongs. */
export const KIND_ONLY_KEYS: Readonly<Record<string, string>> = {
  method: 'leased',
  params: 'leased or pki',
  mount: 'kv2, kv1, pki or static',
  version: 'kv2',
  refresh_interval: 'kv2, kv1 or read',
  role: 'pki or static',
  path: 'leased, read, kv2 or kv1',
  rotate_fraction: 'pki',
  bundle: 'pki',
};
