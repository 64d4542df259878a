import * as z from 'zod';

/**
 * What a restarted agent needs to carry on without leasing anew: its token, the tokens it
 * retired (Vault revokes their leases when they expire), and each secret's lease with its data.
 * Validated with zod on load: anything that does not fit is discarded, never half-trusted.
 */
const token = z.object({
  token: z.string().min(1),
  accessor: z.string().optional(),
  ttlMs: z.number().nonnegative(),
  renewable: z.boolean(),
  obtainedAt: z.number(),
  requestedTtlMs: z.number().nonnegative(),
  capped: z.boolean(),
  owned: z.boolean(),
});

const secret = z.object({
  /** Which Vault read produced this lease; a changed config means the lease is not adopted. */
  source: z.string(),
  token: z.string().min(1),
  grantedTtlMs: z.number().nonnegative(),
  capped: z.boolean(),
  lease: z.object({
    id: z.string(),
    ttlMs: z.number().nonnegative(),
    renewable: z.boolean(),
    obtainedAt: z.number(),
    version: z.number().optional(),
    // Certificates and static roles: without it an adopted certificate would never expire.
    validity: z.object({ from: z.number(), until: z.number(), rotate: z.enum(['before', 'after']) }).optional(),
    data: z.record(z.string(), z.unknown()),
  }),
});

export const agentStateSchema = z.object({
  version: z.literal(1),
  /** Which auth identity the token belongs to; another role or mount means it is not adopted. */
  identity: z.string(),
  token: token.optional(),
  retired: z.record(z.string(), z.number()),
  secrets: z.record(z.string(), secret),
});

export type AgentState = z.infer<typeof agentStateSchema>;
export type PersistedToken = z.infer<typeof token>;
export type PersistedSecret = z.infer<typeof secret>;
