import type { Request, Response, Router } from 'express';
import { X509Certificate } from 'node:crypto';
import type { DevContext } from './context.js';
import { stringField } from './fields.js';
import { PkiAuthority, revocationOf, type Issuer } from './pki-authority.js';
import { checkNamesAgainstRole, issueLeaf, requestedNames } from './pki-issue.js';
import { roleFromBody, roleResponse, type PkiRole } from './pki-roles.js';
import { generateRoot } from './pki-root.js';
import { colonSerial } from './pki-x509.js';
import { addRoute, type Call } from './route.js';
import { badRequest, notFound, VaultHttpError, type Reply } from './vault-http.js';

/**
 * The PKI secrets engine at `pki/`: a root CA (RSA, real X.509), roles, issuing leaf certificates
 * with fresh keys, fetching and revoking them. Leases only for roles with generate_lease.
 */
export function addPkiRoutes(router: Router, ctx: DevContext, mount = 'pki'): void {
  const authority = new PkiAuthority(ctx.now);
  const roles = new Map<string, PkiRole>();
  const mountType = 'pki';

  const caForIssue = (): Issuer => {
    try {
      return authority.defaultIssuer();
    } catch (error) {
      if (!(error instanceof VaultHttpError)) throw error;
      throw badRequest(`could not fetch the CA certificate (was one set?): ${error.errors.join('; ')}`);
    }
  };

  const issue = async (call: Call): Promise<Reply> => {
    const roleName = call.params['role']!;
    const role = roles.get(roleName);
    if (!role) throw badRequest(`unknown role: ${roleName}`);
    const format = stringField(call.body, 'format') || 'pem';
    if (format === 'der' || format === 'pem_bundle') throw badRequest(`format "${format}" is not supported by the vaultlet dev server: use "pem"`);
    if (format !== 'pem') throw badRequest('the "format" path parameter must be "pem", "der", or "pem_bundle"');
    const issuer = caForIssue();
    const names = requestedNames(call.body);
    checkNamesAgainstRole(role, names);
    const now = ctx.now();
    const issued = await issueLeaf(role, names, call.body, issuer, now);
    const serial = colonSerial(issued.serialHex);
    const notAfter = Math.floor(issued.notAfter / 1000) * 1000;
    if (!role.noStore) authority.store({ pem: issued.pem, serial, notAfter, issuerId: issuer.id });
    const pkcs8 = stringField(call.body, 'private_key_format') === 'pkcs8';
    const data = {
      certificate: issued.pem, issuing_ca: issuer.pem, ca_chain: [issuer.pem],
      private_key: pkcs8 ? (issued.key.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string).trim() : issued.key.privateKeyPem,
      private_key_type: 'rsa', serial_number: serial, expiration: notAfter / 1000, not_before: Math.floor(issued.notBefore / 1000),
    };
    if (!role.generateLease) return { data, warnings: issued.warnings };
    // Vault's lease runs until NotAfter and is not renewable; revoking it revokes the certificate.
    const lease = ctx.leases.create({
      prefix: `${mount}/issue/${roleName}`, ttl: Math.max(1, Math.floor((notAfter - ctx.now()) / 1000)), maxTtl: 0,
      renewable: false, tokenId: call.token!.id, revokeSecret: async () => authority.revokeFromLease(serial),
    });
    return {
      data, warnings: issued.warnings, leaseId: lease.id, renewable: false,
      leaseDuration: Math.round((lease.expireAt - lease.issueTime) / 1000),
    };
  };

  const readCertificate = (call: Call): Reply => {
    const serial = call.params['serial']!;
    if (serial === 'ca' || serial === 'ca_chain') {
      const issuer = authority.defaultIssuer();
      return {
        data: {
          certificate: issuer.pem, issuer_id: issuer.id, revocation_time: 0, revocation_time_rfc3339: '',
          ...(serial === 'ca_chain' ? { ca_chain: issuer.pem } : {}),
        },
      };
    }
    const stored = authority.find(serial);
    if (!stored) throw notFound();
    const revoked = stored.revokedAt === undefined ? undefined : revocationOf(stored.revokedAt);
    return {
      data: {
        certificate: stored.pem, issuer_id: stored.issuerId, revocation_time: revoked?.revocation_time ?? 0,
        revocation_time_rfc3339: revoked?.revocation_time_rfc3339 ?? '',
      },
    };
  };

  const revoke = (call: Call): Reply | void => {
    let serial = stringField(call.body, 'serial_number');
    const pem = stringField(call.body, 'certificate');
    if (serial && pem) throw badRequest('must provide either the certificate or the serial to revoke; not both');
    if (pem) {
      try {
        serial = colonSerial(new X509Certificate(pem).serialNumber.toLowerCase());
      } catch {
        throw badRequest('certificate could not be parsed');
      }
    }
    if (!serial) throw badRequest('The serial number must be provided');
    const revocation = authority.revoke(serial);
    return revocation ? { data: revocation } : undefined;
  };

  addRoute(router, ctx, `/${mount}/root/generate/:type`, {
    mountType,
    write: async (call) => {
      const { issuer, data, warnings } = await generateRoot(call.params['type']!, call.body, ctx.now());
      authority.addIssuer(issuer);
      return { data, warnings };
    },
  });
  addRoute(router, ctx, `/${mount}/root`, { mountType, sudo: true, delete: () => authority.deleteIssuers() });
  addRoute(router, ctx, `/${mount}/roles`, {
    mountType,
    list: () => {
      if (roles.size === 0) throw notFound();
      return { data: { keys: [...roles.keys()].sort() } };
    },
  });
  addRoute(router, ctx, `/${mount}/roles/:name`, {
    mountType,
    exists: (call) => roles.has(call.params['name']!),
    read: (call) => {
      const role = roles.get(call.params['name']!);
      if (!role) throw notFound();
      return { data: roleResponse(role) };
    },
    write: (call) => {
      const role = roleFromBody(call.body);
      roles.set(call.params['name']!, role);
      return { data: roleResponse(role) };
    },
    delete: (call) => void roles.delete(call.params['name']!),
  });
  addRoute(router, ctx, `/${mount}/issue/:role`, { mountType, write: issue });
  addRoute(router, ctx, `/${mount}/revoke`, { mountType, write: revoke });
  addRoute(router, ctx, `/${mount}/cert/:serial`, { mountType, unauthenticated: true, read: readCertificate });
  // Raw CA bodies (not Vault's JSON envelope), readable without a token; 204 while no CA exists.
  const rawCa = (contentType: string, body: (issuer: Issuer) => string | Buffer) => (_req: Request, res: Response) => {
    let issuer: Issuer;
    try {
      issuer = authority.defaultIssuer();
    } catch {
      res.status(204).end();
      return;
    }
    res.status(200).type(contentType).send(body(issuer));
  };
  router.get(`/${mount}/ca/pem`, rawCa('application/pem-certificate-chain', (issuer) => `${issuer.pem}\n`));
  router.get(`/${mount}/ca_chain`, rawCa('application/pem-certificate-chain', (issuer) => `${issuer.pem}\n`));
  router.get(`/${mount}/ca`, rawCa('application/pkix-cert', (issuer) => new X509Certificate(issuer.pem).raw));
}
