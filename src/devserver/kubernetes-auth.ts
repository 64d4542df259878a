import type { KeyObject } from 'node:crypto';
import type { Router } from 'express';
import type { DevContext } from './context.js';
import { boolField, durationField, stringField, stringList } from './fields.js';
import { newUuid } from './ids.js';
import { decodeUnverifiedJwt, parsePemKey, serviceAccountOf, verifyServiceAccountJwt, type ServiceAccountClaims } from './jwt-verify.js';
import { reviewToken } from './kubernetes-token-review.js';
import { addRoute, type Call } from './route.js';
import { authBlock } from './token-view.js';
import { badRequest, notFound, permissionDenied, VaultHttpError, type Reply } from './vault-http.js';

interface KubernetesConfig {
  kubernetesHost: string;
  caPem: string;
  reviewerJwt: string;
  pemKeys: string[];
  keys: KeyObject[];
  issuer: string;
  disableIssValidation: boolean;
}

interface KubernetesRole {
  names: string[];
  namespaces: string[];
  audience: string;
  aliasNameSource: string;
  policies: string[];
  ttl: number;
  maxTtl: number;
  explicitMaxTtl: number;
  period: number;
  noDefaultPolicy: boolean;
}

/** Vault's strutil.StrListContainsGlob: entries may hold `*` wildcards. */
function globListContains(patterns: readonly string[], value: string): boolean {
  return patterns.some((p) => new RegExp(`^${p.split('*').map((s) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`).test(value));
}

/**
 * The kubernetes auth method mounted at auth/kubernetes. Like Vault it asks the cluster's
 * TokenReview API about every login; given `pem_keys` it checks the signature itself instead
 * (Vault does both), so the demo and benchmarks need no API server.
 */
export function addKubernetesAuthRoutes(router: Router, ctx: DevContext, mount = 'kubernetes'): void {
  let config: KubernetesConfig | undefined;
  const roles = new Map<string, KubernetesRole>();
  /** One entity per service account alias, so repeated logins share an entity_id like in Vault. */
  const entities = new Map<string, string>();
  const mountType = 'kubernetes';
  const base = `/auth/${mount}`;

  const writeConfig = (call: Call) => {
    const body = call.body;
    const pemKeys = stringList(Array.isArray(body['pem_keys']) ? body['pem_keys'] : body['pem_keys'] ? [body['pem_keys']] : []);
    const host = stringField(body, 'kubernetes_host');
    if (!host) throw badRequest('no host provided');
    config = {
      kubernetesHost: host, caPem: stringField(body, 'kubernetes_ca_cert'), reviewerJwt: stringField(body, 'token_reviewer_jwt'),
      pemKeys, keys: pemKeys.map(parsePemKey), issuer: stringField(body, 'issuer'),
      disableIssValidation: boolField(body, 'disable_iss_validation', true),
    };
  };
  const readConfig = (): Reply => {
    if (!config) return { data: null };
    return {
      data: {
        kubernetes_host: config.kubernetesHost, kubernetes_ca_cert: config.caPem, pem_keys: config.pemKeys,
        issuer: config.issuer, disable_iss_validation: config.disableIssValidation, disable_local_ca_jwt: false,
        token_reviewer_jwt_set: config.reviewerJwt !== '',
      },
    };
  };

  const writeRole = (call: Call) => {
    const name = call.params['name']!;
    const body = call.body;
    const old = roles.get(name);
    const pick = <T>(field: string, read: () => T, fallback: T): T => (field in body ? read() : fallback);
    const legacy = (modern: string, legacyName: string) => (modern in body ? modern : legacyName);
    const role: KubernetesRole = {
      names: pick('bound_service_account_names', () => stringList(body['bound_service_account_names']), old?.names ?? []),
      namespaces: pick('bound_service_account_namespaces', () => stringList(body['bound_service_account_namespaces']), old?.namespaces ?? []),
      audience: pick('audience', () => stringField(body, 'audience'), old?.audience ?? ''),
      aliasNameSource: pick('alias_name_source', () => stringField(body, 'alias_name_source'), old?.aliasNameSource ?? 'serviceaccount_uid'),
      policies: pick(legacy('token_policies', 'policies'), () => stringList(body[legacy('token_policies', 'policies')]), old?.policies ?? []),
      ttl: pick(legacy('token_ttl', 'ttl'), () => durationField(body, legacy('token_ttl', 'ttl')), old?.ttl ?? 0),
      maxTtl: pick(legacy('token_max_ttl', 'max_ttl'), () => durationField(body, legacy('token_max_ttl', 'max_ttl')), old?.maxTtl ?? 0),
      explicitMaxTtl: pick('token_explicit_max_ttl', () => durationField(body, 'token_explicit_max_ttl'), old?.explicitMaxTtl ?? 0),
      period: pick(legacy('token_period', 'period'), () => durationField(body, legacy('token_period', 'period')), old?.period ?? 0),
      noDefaultPolicy: pick('token_no_default_policy', () => boolField(body, 'token_no_default_policy', false), old?.noDefaultPolicy ?? false),
    };
    if (role.names.length === 0) throw badRequest('"bound_service_account_names" can not be empty');
    if (role.namespaces.length === 0) throw badRequest('"bound_service_account_namespaces" can not be empty');
    if (role.names.length > 1 && role.names.includes('*')) throw badRequest('can not mix "*" with values');
    if (role.namespaces.length > 1 && role.namespaces.includes('*')) throw badRequest('can not mix "*" with values');
    if (!['serviceaccount_uid', 'serviceaccount_name'].includes(role.aliasNameSource)) {
      throw badRequest(`invalid alias_name_source "${role.aliasNameSource}"`);
    }
    if (role.maxTtl > 0 && role.ttl > role.maxTtl) throw badRequest('token ttl should not be greater than token max ttl');
    roles.set(name, role);
  };
  const readRole = (call: Call): Reply => {
    const role = roles.get(call.params['name']!);
    if (!role) throw notFound();
    return {
      data: {
        bound_service_account_names: role.names, bound_service_account_namespace_selector: '', bound_service_account_namespaces: role.namespaces,
        audience: role.audience, alias_name_source: role.aliasNameSource, token_policies: role.policies,
        token_ttl: role.ttl, token_max_ttl: role.maxTtl, token_explicit_max_ttl: role.explicitMaxTtl, token_period: role.period,
        token_no_default_policy: role.noDefaultPolicy, token_bound_cidrs: [], token_num_uses: 0, token_strictly_bind_ip: false, token_type: 'default',
      },
    };
  };

  const login = async (call: Call): Promise<Reply> => {
    const roleName = stringField(call.body, 'role');
    if (!roleName) throw badRequest('missing role');
    const jwt = stringField(call.body, 'jwt');
    if (!jwt) throw badRequest('missing jwt');
    const role = roles.get(roleName);
    if (!role) throw badRequest(`invalid role name "${roleName}"`);
    if (!config) throw new VaultHttpError(500, ['could not load backend configuration']);
    const expected = {
      nowSeconds: Math.floor(ctx.now() / 1000),
      ...(config.issuer && !config.disableIssValidation ? { issuer: config.issuer } : {}),
      ...(role.audience.trim() ? { audience: role.audience } : {}),
    };
    // With pem_keys the signature is checked here; without, the TokenReview below vouches for it.
    const claims = config.keys.length > 0 ? await verifyServiceAccountJwt(jwt, config.keys, expected) : decodeUnverifiedJwt(jwt, expected);
    // Vault decodes the claims into a struct whose aud is a list; Kubernetes always sends one.
    if (typeof claims['aud'] === 'string') {
      throw new VaultHttpError(500, ["decoding failed due to the following error(s):\n\n'aud' source data must be an array or slice, got string"]);
    }
    const sa = serviceAccountOf(claims);
    if (!(role.names.length === 1 && role.names[0] === '*') && !globListContains(role.names, sa.name)) {
      throw new VaultHttpError(403, ['service account name not authorized']);
    }
    if (!(role.namespaces[0] === '*' || globListContains(role.namespaces, sa.namespace))) {
      throw new VaultHttpError(403, ['namespace not authorized']);
    }
    if (!sa.uid) throw new VaultHttpError(500, ['could not parse UID from claims']);
    if (config.keys.length === 0) await lookUpInCluster(config, jwt, sa, role.audience ? [role.audience] : stringList(claims['aud']));
    const alias = role.aliasNameSource === 'serviceaccount_name' ? `${sa.namespace}/${sa.name}` : sa.uid;
    const entityId = entities.get(alias) ?? newUuid();
    entities.set(alias, entityId);
    const { token, warnings } = ctx.tokens.create({
      policies: role.policies, displayName: `${mount}-${sa.namespace}-${sa.name}`, path: `auth/${mount}/login`,
      meta: {
        role: roleName, service_account_name: sa.name, service_account_namespace: sa.namespace,
        service_account_secret_name: '', service_account_uid: sa.uid,
      },
      ttl: role.ttl, maxTtl: role.maxTtl, explicitMaxTtl: role.explicitMaxTtl, period: role.period,
      renewable: true, entityId, noDefaultPolicy: role.noDefaultPolicy,
    });
    return { auth: authBlock(token, token.creationTtl), warnings };
  };

  const listRoles = (): Reply => {
    if (roles.size === 0) throw notFound();
    return { data: { keys: [...roles.keys()].sort() } };
  };

  addRoute(router, ctx, `${base}/config`, { mountType, read: readConfig, write: writeConfig });
  addRoute(router, ctx, `${base}/role`, { mountType, list: listRoles });
  addRoute(router, ctx, `${base}/role/:name`, {
    mountType,
    exists: (call) => roles.has(call.params['name']!),
    read: readRole,
    write: writeRole,
    delete: (call) => void roles.delete(call.params['name']!),
  });
  addRoute(router, ctx, `${base}/login`, { mountType, unauthenticated: true, write: login });
}

/**
 * Vault's last step of a kubernetes login: the cluster's TokenReview API must vouch for the token
 * and name the same service account. Any failure is a plain 403.
 */
async function lookUpInCluster(config: KubernetesConfig, jwt: string, sa: ServiceAccountClaims, audiences: string[]): Promise<void> {
  let reviewed: ServiceAccountClaims;
  try {
    reviewed = await reviewToken({ host: config.kubernetesHost, caPem: config.caPem, reviewerJwt: config.reviewerJwt }, jwt, audiences);
  } catch {
    throw permissionDenied();
  }
  if (reviewed.name !== sa.name || reviewed.uid !== sa.uid || reviewed.namespace !== sa.namespace) throw permissionDenied();
}
