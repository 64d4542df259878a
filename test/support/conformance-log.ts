import type { RecordedRequest } from '../../src/devserver/index.js';

/**
 * Every request the integration tests' dev servers saw, gathered for the OpenAPI conformance
 * test that runs last (mocha loads test/e2e/zz-conformance.test.js after the others).
 */
const recorded: RecordedRequest[] = [];

export function recordForConformance(requests: readonly RecordedRequest[]): void {
  recorded.push(...requests);
}

export function recordedRequests(): readonly RecordedRequest[] {
  return recorded;
}
