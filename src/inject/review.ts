import type { IPod } from 'kubernetes-models/v1/Pod';
import { ConfigError } from '../errors.js';
import { mutatePod } from './patch.js';
import type { InjectorSettings } from './settings.js';

/** admission.k8s.io/v1 AdmissionReview in, AdmissionReview (or a 400 for a malformed one) out. */

export const REVIEW_API_VERSION = 'admission.k8s.io/v1';

export interface AdmissionResponse {
  uid: string;
  allowed: boolean;
  patchType?: 'JSONPatch';
  /** base64 of the JSON Patch, as the API server expects. */
  patch?: string;
  status?: { code: number; message: string };
  warnings?: string[];
}

export type ReviewOutcome =
  | { httpStatus: 200; review: { apiVersion: string; kind: 'AdmissionReview'; response: AdmissionResponse }; log: ReviewLog }
  | { httpStatus: 400; error: string };

/** What one decision was, for a log line: names and counts, never annotation values or config. */
export interface ReviewLog {
  uid: string;
  namespace?: string;
  pod?: string;
  dryRun: boolean;
  result: 'patched' | 'skipped' | 'refused' | 'ignored' | 'failed';
  reason?: string;
}

/**
 * Never throws. The API server only sends well-formed reviews, so a malformed one (bad JSON,
 * wrong apiVersion, no uid) gets an HTTP 400 and the webhook's failurePolicy decides. A review we
 * can answer but a pod we cannot inject as annotated is refused (allowed: false) with every
 * problem named: starting the app without its secrets would only fail later and less clearly.
 * Dry-run requests get the same answer: deciding has no side effects (sideEffects: None).
 */
export function answerReview(body: unknown, settings: InjectorSettings): ReviewOutcome {
  const problem = malformed(body);
  if (problem) return { httpStatus: 400, error: `malformed AdmissionReview: ${problem}` };
  const request = (body as { request: Record<string, unknown> }).request;
  const uid = request.uid as string;
  const object = request.object as IPod | undefined;
  const log: ReviewLog = {
    uid,
    ...(typeof request.namespace === 'string' && { namespace: request.namespace }),
    ...(podName(object) !== undefined && { pod: podName(object) }),
    dryRun: request.dryRun === true,
    result: 'skipped',
  };
  const reply = (response: Omit<AdmissionResponse, 'uid'>): ReviewOutcome => ({
    httpStatus: 200,
    review: { apiVersion: REVIEW_API_VERSION, kind: 'AdmissionReview', response: { uid, ...response } },
    log,
  });

  const kind = request.kind as { group?: unknown; kind?: unknown } | undefined;
  if (kind?.group !== '' || kind?.kind !== 'Pod' || request.operation !== 'CREATE' || request.subResource !== undefined) {
    Object.assign(log, { result: 'ignored', reason: 'not a pod CREATE' });
    // Only a misconfigured webhook rule sends these; let them through and say why.
    return reply({ allowed: true, warnings: ['vaultlet injector: only pod CREATE requests are mutated; check the webhook rules'] });
  }
  if (typeof object !== 'object' || object === null || Array.isArray(object)) {
    Object.assign(log, { result: 'refused', reason: 'no pod in request.object' });
    return reply({ allowed: false, status: { code: 400, message: 'vaultlet injection refused: request.object must be a Pod' } });
  }
  try {
    const mutation = mutatePod(object, settings);
    const warnings = mutation.warnings.length ? { warnings: mutation.warnings } : {};
    if (mutation.action === 'skip') {
      log.reason = mutation.reason;
      return reply({ allowed: true, ...warnings });
    }
    log.result = 'patched';
    return reply({ allowed: true, patchType: 'JSONPatch', patch: Buffer.from(JSON.stringify(mutation.patch)).toString('base64'), ...warnings });
  } catch (error) {
    if (error instanceof ConfigError) {
      Object.assign(log, { result: 'refused', reason: error.issues.length ? `${error.issues.length} problem(s)` : error.message });
      return reply({ allowed: false, status: { code: 400, message: oneLine(error) } });
    }
    // A bug of ours: refuse this pod rather than inject something half-built, and keep serving.
    Object.assign(log, { result: 'failed', reason: error instanceof Error ? error.message : String(error) });
    return reply({ allowed: false, status: { code: 500, message: 'vaultlet injector internal error; see the injector logs' } });
  }
}

function malformed(body: unknown): string | undefined {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return 'the body must be a JSON object';
  const review = body as Record<string, unknown>;
  if (review.apiVersion !== REVIEW_API_VERSION) return `apiVersion must be ${REVIEW_API_VERSION} (set admissionReviewVersions: ["v1"])`;
  if (review.kind !== 'AdmissionReview') return 'kind must be AdmissionReview';
  const request = review.request;
  if (typeof request !== 'object' || request === null || Array.isArray(request)) return 'request must be an object';
  const uid = (request as Record<string, unknown>).uid;
  if (typeof uid !== 'string' || uid === '') return 'request.uid must be a non-empty string';
  return undefined;
}

function podName(pod: IPod | undefined): string | undefined {
  const metadata = typeof pod === 'object' && pod !== null ? pod.metadata : undefined;
  const name = metadata?.name ?? metadata?.generateName;
  return typeof name === 'string' ? name : undefined;
}

/** kubectl prints the message after `denied the request:`; one line reads best there. */
function oneLine(error: ConfigError): string {
  const head = error.message.split('\n')[0]!;
  return error.issues.length ? `${head}: ${error.issues.join('; ')}` : head;
}
