import type { Router } from 'express';
import type { DevContext } from './context.js';
import { boolField, durationField, stringField, stringList, stringMap } from './fields.js';
import { addRoute, type Call } from './route.js';
import { authBlock, lookupData } from './token-view.js';
import { PastMaxTtlError, type TokenEntry } from './tokens.js';
import { badRequest, VaultHttpError, type Reply } from './vault-http.js';

/** The token auth method at auth/token: create, lookup, renew and revoke. */
export function addTokenRoutes(router: Router, ctx: DevContext): void {
  const { tokens, policies } = ctx;
  const mountType = 'token';

  const create = (call: Call, orphan: boolean): Reply => {
    const parent = call.token!;
    const body = call.body;
    const isRootCaller = parent.policies.includes('root');
    const wantsOrphan = orphan || boolField(body, 'no_parent', false);
    if (wantsOrphan && !orphan && !isRootCaller && !policies.allows(parent.policies, call.path, 'sudo')) {
      throw badRequest('root or sudo privileges required to create orphan token');
    }
    const requested = stringList(body['policies']);
    const childPolicies = requested.length ? requested : parent.policies.filter((p) => p !== 'default');
    if (!isRootCaller && childPolicies.some((p) => p !== 'default' && !parent.policies.includes(p))) {
      throw badRequest('child policies must be subset of parent');
    }
    const id = stringField(body, 'id');
    if (id && !isRootCaller) throw badRequest('root or sudo privileges required to specify token id');
    const name = stringField(body, 'display_name').toLowerCase().replace(/[^a-z0-9-]/g, '-');
    const { token, warnings } = tokens.create({
      policies: childPolicies, displayName: name ? `token-${name}` : 'token', meta: stringMap(body['meta']),
      path: orphan ? 'auth/token/create-orphan' : 'auth/token/create', ttl: durationField(body, 'ttl'), maxTtl: 0,
      explicitMaxTtl: durationField(body, 'explicit_max_ttl'), period: durationField(body, 'period'),
      renewable: boolField(body, 'renewable', true), noDefaultPolicy: boolField(body, 'no_default_policy', false),
      ...(wantsOrphan ? {} : { parentId: parent.id }), ...(id ? { id } : {}),
    });
    return { auth: authBlock(token, token.creationTtl), warnings };
  };

  const renew = (token: TokenEntry, body: Record<string, unknown>): Reply => {
    try {
      const { ttl, warnings } = tokens.renew(token, durationField(body, 'increment'));
      return { auth: authBlock(token, ttl), warnings };
    } catch (error) {
      if (error instanceof VaultHttpError) throw error;
      if (error instanceof PastMaxTtlError) throw new VaultHttpError(500, [`1 error occurred:\n\t* ${error.message}\n\n`]);
      throw badRequest((error as Error).message);
    }
  };

  const target = (call: Call, missing: VaultHttpError): TokenEntry => {
    const id = stringField(call.body, 'token');
    if (!id) throw badRequest('missing token');
    const token = tokens.get(id);
    if (!token) throw missing;
    return token;
  };
  const lookupSelf = (call: Call): Reply => ({ data: lookupData(tokens, call.token!) });

  addRoute(router, ctx, '/auth/token/create', { mountType, write: (call) => create(call, false) });
  addRoute(router, ctx, '/auth/token/create-orphan', { mountType, write: (call) => create(call, true) });
  addRoute(router, ctx, '/auth/token/lookup-self', { mountType, read: lookupSelf, write: lookupSelf });
  addRoute(router, ctx, '/auth/token/lookup', {
    mountType,
    write: (call) => ({ data: lookupData(tokens, target(call, new VaultHttpError(403, ['bad token']))) }),
  });
  addRoute(router, ctx, '/auth/token/lookup-accessor', {
    mountType,
    write: (call) => {
      const token = tokens.byAccessor(stringField(call.body, 'accessor'));
      if (!token) throw badRequest('invalid accessor');
      return { data: { ...lookupData(tokens, token), id: '' } };
    },
  });
  addRoute(router, ctx, '/auth/token/renew-self', { mountType, write: (call) => renew(call.token!, call.body) });
  addRoute(router, ctx, '/auth/token/renew', {
    mountType,
    write: (call) => renew(target(call, badRequest('token not found')), call.body),
  });
  addRoute(router, ctx, '/auth/token/revoke-self', { mountType, write: (call) => tokens.revoke(call.token!.id) });
  addRoute(router, ctx, '/auth/token/revoke', {
    mountType,
    write: (call) => {
      const id = stringField(call.body, 'token');
      if (!id) throw badRequest('missing token');
      tokens.revoke(id);
    },
  });
  addRoute(router, ctx, '/auth/token/accessors', { mountType, sudo: true, list: () => ({ data: { keys: tokens.accessors() } }) });
  addRoute(router, ctx, '/auth/token/revoke-accessor', {
    mountType,
    write: (call) => {
      const token = tokens.byAccessor(stringField(call.body, 'accessor'));
      if (token) tokens.revoke(token.id);
    },
  });
}
