import type { Router } from 'express';
import type { DevContext } from './context.js';
import { stringField } from './fields.js';
import { newUuid } from './ids.js';
import { extractMetadata, userClaimValue, validateBoundClaims } from './jwt-auth-claims.js';
import { jwtConfigView, parseJwtConfig, type JwtConfig } from './jwt-auth-config.js';
import { jwtRoleView, parseJwtRole, type JwtRole } from './jwt-auth-role.js';
import { addressAllowed } from './jwt-auth-token-params.js';
import { SUPPORTED_ALGS, validateJwt } from './jwt-auth-validate.js';
import { addRoute, type Call } from './route.js';
import { authBlock } from './token-view.js';
import { badRequest, notFound, permissionDenied, type Reply } from './vault-http.js';

/**
 * Vault's JWT auth method (vault-plugin-auth-jwt v0.17, Vault 1.15) at auth/<mount>: JWTs are
 * verified against the configured public keys (e.g. the cluster's service account issuer keys),
 * so a login never calls back to Kubernetes. Failed logins answer 400 with the plugin's message.
 */
export function addJwtAuthRoutes(router: Router, ctx: DevContext, mount = 'jwt'): void {
  let config: JwtConfig | undefined;
  const roles = new Map<string, JwtRole>();
  /** One entity per alias name, so repeated logins of one workload share an entity_id as in Vault. */
  const entities = new Map<string, string>();
  const mountType = 'jwt';
  const base = `/auth/${mount}`;
  // Role names are TypeLowerCaseString in the plugin, on every path and at login.
  const roleName = (call: Call) => call.params['name']!.toLowerCase();

  const writeRole = (call: Call): Reply | void => {
    const name = roleName(call);
    const { role, warnings } = parseJwtRole(call.body, roles.get(name));
    roles.set(name, role);
    return warnings.length ? { warnings } : undefined;
  };

  const login = async (call: Call): Promise<Reply> => {
    if (!config) throw badRequest('could not load configuration');
    const name = stringField(call.body, 'role').toLowerCase() || config.defaultRole;
    if (!name) throw badRequest('missing role');
    const role = roles.get(name);
    if (!role) throw badRequest(`role ${JSON.stringify(name)} could not be found`);
    if (role.roleType === 'oidc') throw badRequest('role with oidc role_type is not allowed');
    const jwt = stringField(call.body, 'jwt');
    if (!jwt) throw badRequest('missing token');
    if (!addressAllowed(role.token.boundCidrs, call.req.socket.remoteAddress)) throw permissionDenied();

    const claims = await validateJwt(jwt, config.keys, {
      issuer: config.boundIssuer, subject: role.boundSubject, audiences: role.boundAudiences,
      algorithms: config.supportedAlgs.length ? config.supportedAlgs : SUPPORTED_ALGS,
      expirationLeeway: role.expirationLeeway, notBeforeLeeway: role.notBeforeLeeway, clockSkewLeeway: role.clockSkewLeeway,
      nowMs: ctx.now(),
    }).catch((error: Error) => {
      throw badRequest(`error validating token: ${error.message}`);
    });
    // Vault 1.15 only refuses a list-valued aud here (a plain string aud passes unbound roles).
    const aud = claims['aud'];
    if (Array.isArray(aud) && aud.length > 0 && role.boundAudiences.length === 0) {
      throw badRequest('audience claim found in JWT but no audiences bound to the role');
    }
    const alias = refusing('', () => userClaimValue(claims, role.userClaim, role.userClaimJsonPointer));
    const metadata = refusing('', () => extractMetadata(claims, role.claimMappings));
    refusing('error validating claims: ', () => validateBoundClaims(role.boundClaimsType, role.boundClaims, claims));

    const entityId = entities.get(alias) ?? newUuid();
    entities.set(alias, entityId);
    const { token, warnings } = ctx.tokens.create({
      policies: role.token.policies, displayName: `${mount}-${alias}`, path: `auth/${mount}/login`,
      meta: { ...metadata, role: name },
      ttl: role.token.ttl, maxTtl: role.token.maxTtl, explicitMaxTtl: role.token.explicitMaxTtl, period: role.token.period,
      renewable: true, entityId, noDefaultPolicy: role.token.noDefaultPolicy,
    });
    return { auth: authBlock(token, token.creationTtl), warnings };
  };

  addRoute(router, ctx, `${base}/config`, {
    mountType,
    read: () => {
      if (!config) throw notFound();
      return { data: jwtConfigView(config) };
    },
    write: (call) => {
      config = parseJwtConfig(call.body, config);
    },
  });
  addRoute(router, ctx, `${base}/role`, {
    mountType,
    list: () => {
      if (roles.size === 0) throw notFound();
      return { data: { keys: [...roles.keys()].sort() } };
    },
  });
  addRoute(router, ctx, `${base}/role/:name`, {
    mountType,
    exists: (call) => roles.has(roleName(call)),
    read: (call) => {
      const role = roles.get(roleName(call));
      if (!role) throw notFound();
      return { data: jwtRoleView(role) };
    },
    write: writeRole,
    delete: (call) => void roles.delete(roleName(call)),
  });
  addRoute(router, ctx, `${base}/login`, { mountType, unauthenticated: true, write: login });
}

/** Claim checks throw plain Errors with the plugin's text; Vault answers them as 400s. */
function refusing<T>(prefix: string, run: () => T): T {
  try {
    return run();
  } catch (error) {
    throw badRequest(`${prefix}${(error as Error).message}`);
  }
}
