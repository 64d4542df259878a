import type { DatabaseBackend } from './database-backend.js';
import type { LeaseStore } from './leases.js';
import type { PolicyStore } from './policy-store.js';
import type { TokenStore } from './tokens.js';
import type { DevFaults } from './types.js';

/** Everything one dev server instance keeps; each route module gets this and nothing global. */
export interface DevContext {
  readonly now: () => number;
  readonly rootToken: string;
  readonly faults: DevFaults;
  readonly tokens: TokenStore;
  readonly leases: LeaseStore;
  readonly policies: PolicyStore;
  readonly databaseBackend: DatabaseBackend;
}
