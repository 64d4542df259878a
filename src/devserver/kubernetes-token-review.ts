import { request } from 'node:https';
import type { ServiceAccountClaims } from './jwt-verify.js';

/** Where and as whom the kubernetes auth method asks the cluster about a token. */
export interface TokenReviewConfig {
  readonly host: string;
  /** PEM; empty trusts the system's CAs. */
  readonly caPem: string;
  /** The bearer for the TokenReview call; empty: the login's own JWT, as Vault does. */
  readonly reviewerJwt: string;
}

const TIMEOUT_MS = 10_000;

/**
 * Vault's kubernetes auth asking the TokenReview API who a token belongs to
 * (`POST <host>/apis/authentication.k8s.io/v1/tokenreviews`), with Vault's checks of the answer:
 * authenticated, one of the wanted audiences, a service account user. Rejects with Vault's
 * "lookup failed: …" messages; the login turns any of them into 403 permission denied.
 */
export async function reviewToken(config: TokenReviewConfig, jwt: string, audiences: readonly string[]): Promise<ServiceAccountClaims> {
  const body = JSON.stringify({ kind: 'TokenReview', apiVersion: 'authentication.k8s.io/v1', spec: { token: jwt, audiences } });
  const url = `${config.host.replace(/\/+$/, '')}/apis/authentication.k8s.io/v1/tokenreviews`;
  const answer = await post(url, body, config.reviewerJwt || jwt, config.caPem);
  if (answer.status === 401) throw new Error('lookup failed: service account unauthorized; this could mean it has been deleted or recreated with a new token');
  if (answer.status < 200 || answer.status > 206) throw new Error(`lookup failed: the server answered ${answer.status}`);
  const review = JSON.parse(answer.body) as {
    status?: { authenticated?: boolean; error?: string; audiences?: string[]; user?: { username?: string; uid?: string } };
  };
  const status = review.status ?? {};
  if (status.error) throw new Error(`lookup failed: ${status.error}`);
  if (!status.authenticated) throw new Error('lookup failed: service account jwt not valid');
  if (audiences.length > 0 && !audiences.some((audience) => status.audiences?.includes(audience))) {
    throw new Error(`lookup failed: service account jwt valid for audience(s) ${status.audiences ?? []}, but wanted ${audiences}`);
  }
  const parts = (status.user?.username ?? '').split(':');
  if (parts.length !== 4) throw new Error('lookup failed: unexpected username format');
  if (parts[0] !== 'system' || parts[1] !== 'serviceaccount') throw new Error('lookup failed: username returned is not a service account');
  return { namespace: parts[2]!, name: parts[3]!, uid: status.user?.uid ?? '' };
}

function post(url: string, body: string, bearer: string, caPem: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const outgoing = request(url, {
      method: 'POST',
      headers: { authorization: `Bearer ${bearer}`, 'content-type': 'application/json', accept: 'application/json', 'content-length': Buffer.byteLength(body) },
      ...(caPem ? { ca: caPem } : {}),
      timeout: TIMEOUT_MS,
    }, (response) => {
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => void (text += chunk));
      response.once('end', () => resolve({ status: response.statusCode ?? 0, body: text }));
      response.once('error', reject);
    });
    outgoing.once('timeout', () => outgoing.destroy(new Error('TokenReview timed out')));
    outgoing.once('error', reject);
    outgoing.end(body);
  });
}
