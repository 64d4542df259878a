import type { Router } from 'express';
import type { DevContext } from './context.js';
import { PolicyParseError } from './policy.js';
import { rfc3339Nano } from './pki-x509.js';
import { addRoute, type Call } from './route.js';
import { badRequest, notFound, type Reply } from './vault-http.js';

/** sys/policies/acl/:name and the legacy sys/policy/:name (which node-vault's addPolicy uses). */
export function addPolicyRoutes(router: Router, ctx: DevContext): void {
  const store = ctx.policies;

  const write = (call: Call, field: 'policy' | 'rules') => {
    const name = call.params['name']!.toLowerCase();
    const text = call.body[field] ?? call.body['policy'];
    if (name === 'root') throw badRequest('cannot update "root" policy');
    if (typeof text !== 'string' || text.trim() === '') throw badRequest("'policy' parameter not supplied or empty");
    try {
      store.put(name, text, ctx.now());
    } catch (error) {
      if (error instanceof PolicyParseError) throw badRequest(`failed to parse policy: ${error.message}`);
      throw error;
    }
  };
  const remove = (call: Call) => {
    const name = call.params['name']!.toLowerCase();
    if (name === 'root' || name === 'default') throw badRequest(`cannot delete "${name}" policy`);
    store.delete(name);
  };
  const read = (call: Call, field: 'policy' | 'rules'): Reply => {
    const name = call.params['name']!.toLowerCase();
    const text = store.get(name);
    if (text === undefined) throw notFound();
    if (field === 'rules') return { data: { name, rules: text }, extra: { name, rules: text } };
    // OpenBao's policy store: a version per write, check-and-set and templating options.
    const revision = store.revision(name);
    return {
      data: {
        allow_slashes_in_identity_templates: false, allow_wildcards_in_identity_templates: false, cas_required: false,
        modified: rfc3339Nano(revision?.modified ?? ctx.now()), name, policy: text, version: revision?.version ?? 0,
      },
    };
  };
  const list = (): Reply => {
    const keys = store.names();
    return { data: { keys, policies: keys }, extra: { keys, policies: keys } };
  };

  addRoute(router, ctx, '/sys/policies/acl', { mountType: 'system', list, read: list });
  addRoute(router, ctx, '/sys/policies/acl/:name', {
    mountType: 'system',
    read: (call) => read(call, 'policy'),
    write: (call) => write(call, 'policy'),
    delete: remove,
  });
  addRoute(router, ctx, '/sys/policy', { mountType: 'system', read: list, list });
  addRoute(router, ctx, '/sys/policy/:name', {
    mountType: 'system',
    read: (call) => read(call, 'rules'),
    write: (call) => write(call, 'rules'),
    delete: remove,
  });
}
