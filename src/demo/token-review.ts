import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { importSPKI, jwtVerify, type CryptoKey, type JWTPayload } from 'jose';
import { buildCertificate, generateRsaKey, newSerialHex } from '../devserver/pki-x509.js';
import { DEMO_ISSUER } from './service-account.js';

/**
 * The one piece of a Kubernetes API server that Vault's kubernetes auth calls: the TokenReview
 * API (`POST /apis/authentication.k8s.io/v1/tokenreviews`), over HTTPS with a CA of its own.
 * Like the API server it authenticates the caller's bearer token, then checks the reviewed
 * token's signature, issuer, expiry and audiences with the service account issuer's key, and
 * answers who the token belongs to. For the tests and the demo, where there is no cluster.
 */
export interface TokenReviewer {
  /** e.g. https://127.0.0.1:40123: Vault's `kubernetes_host`. */
  readonly url: string;
  /** The CA that signed the server certificate: Vault's `kubernetes_ca_cert`. */
  readonly caPem: string;
  /** Every review answered, in order (tokens are not kept). */
  readonly reviews: readonly TokenReviewRecord[];
  close(): Promise<void>;
}

export interface TokenReviewRecord {
  readonly at: number;
  readonly authenticated: boolean;
  /** The audiences Vault asked for. */
  readonly audiences: readonly string[];
  /** system:serviceaccount:<namespace>:<name> when authenticated. */
  readonly username?: string;
  readonly error?: string;
}

export interface TokenReviewerOptions {
  /** The issuer's public key (SPKI PEM): the one the projected tokens are signed with. */
  readonly publicKeyPem: string;
  readonly issuer?: string;
  /**
   * The API server's own audiences: what a caller's bearer token must be for, and what a review
   * without `spec.audiences` checks against (as kube-apiserver's --api-audiences).
   */
  readonly apiAudiences?: readonly string[];
  readonly host?: string;
  readonly port?: number;
}

export const TOKEN_REVIEW_PATH = '/apis/authentication.k8s.io/v1/tokenreviews';

export async function startTokenReviewer(options: TokenReviewerOptions): Promise<TokenReviewer> {
  const host = options.host ?? '127.0.0.1';
  const issuer = options.issuer ?? DEMO_ISSUER;
  const apiAudiences = options.apiAudiences ?? [issuer];
  const key = await importSPKI(options.publicKeyPem, 'RS256');
  const tls = await serverCertificate(host);
  const reviews: TokenReviewRecord[] = [];

  const verify = async (token: string, audiences: readonly string[]): Promise<JWTPayload> => {
    const { payload } = await jwtVerify(token, key as CryptoKey, { issuer });
    const tokenAudiences = typeof payload.aud === 'string' ? [payload.aud] : payload.aud ?? [];
    if (!tokenAudiences.some((audience) => audiences.includes(audience))) throw new Error('token audiences do not match');
    return payload;
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const path = (req.url ?? '').split('?')[0];
    if (req.method !== 'POST' || path !== TOKEN_REVIEW_PATH) return sendStatus(res, 404, 'NotFound', 'the server could not find the requested resource');
    const bearer = /^Bearer (.+)$/i.exec(req.headers.authorization ?? '')?.[1];
    const caller = bearer ? await verify(bearer, apiAudiences).catch(() => undefined) : undefined;
    if (!caller) return sendStatus(res, 401, 'Unauthorized', 'Unauthorized');
    let review: { apiVersion?: unknown; kind?: unknown; spec?: { token?: unknown; audiences?: unknown } };
    try {
      review = JSON.parse(await readBody(req)) as typeof review;
    } catch {
      return sendStatus(res, 400, 'BadRequest', 'the body is not JSON');
    }
    const token = review.spec?.token;
    if (typeof token !== 'string' || !token) return sendStatus(res, 422, 'Invalid', 'TokenReview.authentication.k8s.io "" is invalid: spec.token: Required value');
    const requested = Array.isArray(review.spec?.audiences) && review.spec.audiences.length > 0 ? (review.spec.audiences as string[]) : [...apiAudiences];
    let status: Record<string, unknown>;
    try {
      const claims = await verify(token, requested);
      const account = serviceAccountOf(claims);
      const username = `system:serviceaccount:${account.namespace}:${account.name}`;
      const tokenAudiences = typeof claims.aud === 'string' ? [claims.aud] : claims.aud ?? [];
      status = {
        authenticated: true,
        user: {
          username, uid: account.uid,
          groups: ['system:serviceaccounts', `system:serviceaccounts:${account.namespace}`, 'system:authenticated'],
          ...(account.pod ? { extra: { 'authentication.kubernetes.io/pod-name': [account.pod.name], 'authentication.kubernetes.io/pod-uid': [account.pod.uid] } } : {}),
        },
        audiences: tokenAudiences.filter((audience) => requested.includes(audience)),
      };
      reviews.push({ at: Date.now(), authenticated: true, audiences: requested, username });
    } catch (error) {
      // The API server's own wording for a token it will not vouch for.
      const reason = `[invalid bearer token, ${(error as Error).message}]`;
      status = { user: {}, error: reason };
      reviews.push({ at: Date.now(), authenticated: false, audiences: requested, error: reason });
    }
    send(res, 201, {
      kind: 'TokenReview', apiVersion: 'authentication.k8s.io/v1', metadata: { creationTimestamp: null },
      spec: { token, audiences: requested }, status,
    });
  };

  const server: Server = createServer({ key: tls.keyPem, cert: tls.certPem }, (req, res) => {
    handle(req, res).catch(() => sendStatus(res, 500, 'InternalError', 'internal error'));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  let closing: Promise<void> | undefined;
  return {
    url: `https://${host}:${port}`,
    caPem: tls.caPem,
    reviews,
    close: () => (closing ??= new Promise((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    })),
  };
}

/** A service account token's identity, from its projected (`kubernetes.io`) or legacy claims. */
function serviceAccountOf(claims: JWTPayload): { namespace: string; name: string; uid: string; pod?: { name: string; uid: string } } {
  const projected = claims['kubernetes.io'] as { namespace?: string; serviceaccount?: { name?: string; uid?: string }; pod?: { name: string; uid: string } } | undefined;
  const namespace = projected?.namespace ?? (claims['kubernetes.io/serviceaccount/namespace'] as string | undefined);
  const name = projected?.serviceaccount?.name ?? (claims['kubernetes.io/serviceaccount/service-account.name'] as string | undefined);
  const uid = projected?.serviceaccount?.uid ?? (claims['kubernetes.io/serviceaccount/service-account.uid'] as string | undefined);
  if (!namespace || !name || !uid) throw new Error('token is not a service account token');
  return { namespace, name, uid, ...(projected?.pod ? { pod: projected.pod } : {}) };
}

/** A CA of its own and a server certificate for `host` signed by it. */
async function serverCertificate(host: string): Promise<{ caPem: string; certPem: string; keyPem: string }> {
  const [caKey, serverKey] = await Promise.all([generateRsaKey(2048), generateRsaKey(2048)]);
  const now = Date.now();
  const validity = { notBefore: now - 60_000, notAfter: now + 24 * 3600_000 };
  const ca = buildCertificate({
    serialHex: newSerialHex(), commonName: 'vaultlet test kubernetes CA', dnsNames: [], emailAddresses: [], ipAddresses: [],
    ...validity, publicKeyPem: caKey.publicKeyPem, isCa: true,
  }, { selfKey: caKey.privateKey });
  const isIp = /^[\d.]+$|:/.test(host);
  const leaf = buildCertificate({
    serialHex: newSerialHex(), commonName: 'kube-apiserver', dnsNames: isIp ? ['localhost'] : [host], emailAddresses: [],
    ipAddresses: isIp ? [host] : [], ...validity, publicKeyPem: serverKey.publicKeyPem, isCa: false,
  }, { certificate: ca.certificate, privateKey: caKey.privateKey });
  return { caPem: `${ca.pem}\n`, certPem: `${leaf.pem}\n`, keyPem: serverKey.privateKeyPem };
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => {
      body += chunk;
      if (body.length > 1 << 20) req.destroy(new Error('body too large'));
    });
    req.once('end', () => resolve(body));
    req.once('error', reject);
  });
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

/** A Kubernetes `Status` object, the API server's error body. */
function sendStatus(res: ServerResponse, code: number, reason: string, message: string): void {
  send(res, code, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code });
}

