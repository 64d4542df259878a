import type { Router } from 'express';
import type { DevContext } from './context.js';
import { stringField } from './fields.js';
import { addRoute, type Call } from './route.js';
import { badRequest } from './vault-http.js';

/** The dev server's engines, each at the one path it serves (no others can be mounted). */
const SECRET_MOUNTS: Readonly<Record<string, string>> = {
  'secret/': 'kv', 'kv/': 'kv', 'database/': 'database', 'pki/': 'pki', 'cubbyhole/': 'cubbyhole', 'sys/': 'system', 'identity/': 'identity',
};
const AUTH_MOUNTS: Readonly<Record<string, string>> = {
  'token/': 'token', 'kubernetes/': 'kubernetes', 'jwt/': 'jwt', 'approle/': 'approle',
};

/**
 * `sys/mounts/<path>` and `sys/auth/<path>`, so a setup script written for Vault runs here: every
 * engine is already enabled at its usual path, and enabling it again is Vault's own
 * "path is already in use" (400), which such scripts accept. Anything else is refused.
 */
export function addMountRoutes(router: Router, ctx: DevContext): void {
  const enable = (table: Readonly<Record<string, string>>, kind: string) => (call: Call) => {
    const path = `${(call.params['path'] ?? '').replace(/^\/+|\/+$/g, '')}/`;
    const type = stringField(call.body, 'type');
    if (!type) throw badRequest('backend type must be specified as a string');
    if (table[path]) throw badRequest(`path is already in use at ${path}`);
    throw badRequest(`the dev server cannot enable ${kind === 'auth' ? 'auth method' : 'secrets engine'} "${type}" at ${path}: its mounts are fixed (${Object.keys(table).join(', ')})`);
  };
  addRoute(router, ctx, '/sys/mounts/*path', { mountType: 'system', sudo: true, write: enable(SECRET_MOUNTS, 'secrets') });
  addRoute(router, ctx, '/sys/auth/*path', { mountType: 'system', sudo: true, write: enable(AUTH_MOUNTS, 'auth') });
}
