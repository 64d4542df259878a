import assert from 'node:assert/strict';
import { AxiosError, CanceledError } from 'axios';
import {
  AbortedError,
  SinkError,
  VaultConnectionError,
  VaultPermissionDeniedError,
  VaultRateLimitedError,
  VaultRequestRejectedError,
  VaultResponseError,
  VaultTimeoutError,
  VaultUnavailableError,
  isRetryable,
} from '../../src/errors.js';
import { classify, responseError } from '../../src/vault/classify.js';

type ErrorClass = abstract new (...args: never[]) => Error;

describe('responseError', () => {
  const rows: Array<[number, ErrorClass, boolean]> = [
    [400, VaultRequestRejectedError, false],
    [403, VaultPermissionDeniedError, false],
    [404, VaultRequestRejectedError, false],
    [405, VaultRequestRejectedError, false],
    [412, VaultResponseError, true],
    [429, VaultRateLimitedError, true],
    [500, VaultResponseError, true],
    [501, VaultResponseError, false],
    [502, VaultResponseError, true],
    [503, VaultUnavailableError, true],
  ];
  for (const [status, type, retryable] of rows) {
    it(`HTTP ${status} → ${type.name}${retryable ? ', retryable' : ''}`, () => {
      const error = responseError('secret_read', status, { errors: ['x'] });
      assert.equal(error.constructor, type);
      assert.equal(error.status, status);
      assert.equal(isRetryable(error), retryable);
    });
  }

  it("keeps Vault's errors, at most five, each at most 300 characters", () => {
    const errors = Array.from({ length: 7 }, (_, i) => `${i}`.repeat(400));
    const error = responseError('login', 400, { errors: [...errors, 42] });
    assert.equal(error.errors.length, 5);
    assert.ok(error.errors.every((e) => e.length === 300));
  });

  it('carries Retry-After for 429 and 503 only when the header gave one', () => {
    assert.equal(responseError('login', 429, {}, { retryAfterMs: 2_000 }).retryAfterMs, 2_000);
    assert.equal(responseError('login', 503, {}, { retryAfterMs: 1_000 }).retryAfterMs, 1_000);
    assert.equal(responseError('login', 503, {}, {}).retryAfterMs, undefined);
  });

  it('tolerates a body without errors', () => {
    assert.deepEqual(responseError('login', 500, 'oops').errors, []);
    assert.match(responseError('login', 500, undefined).message, /HTTP 500$/);
  });
});

describe('classify', () => {
  const axiosRows: Array<[string, Error, ErrorClass]> = [
    ['ECONNREFUSED', new AxiosError('connect ECONNREFUSED', 'ECONNREFUSED'), VaultConnectionError],
    ['ECONNRESET', new AxiosError('socket hang up', 'ECONNRESET'), VaultConnectionError],
    ['ENOTFOUND', new AxiosError('getaddrinfo ENOTFOUND', 'ENOTFOUND'), VaultConnectionError],
    ['ECONNABORTED (axios timeout)', new AxiosError('timeout of 5ms exceeded', 'ECONNABORTED'), VaultTimeoutError],
    ['ETIMEDOUT', new AxiosError('timeout', 'ETIMEDOUT'), VaultTimeoutError],
    ['ERR_CANCELED', new CanceledError(), AbortedError],
  ];
  for (const [code, error, type] of axiosRows) {
    it(`axios ${code} → ${type.name}`, () => {
      const classified = classify('secret_read', error);
      assert.equal(classified.constructor, type);
      assert.equal(isRetryable(classified), type !== AbortedError);
    });
  }

  it('keeps only the code as cause, not the axios error with its request headers', () => {
    const error = new AxiosError('connect ECONNREFUSED', 'ECONNREFUSED', { headers: { 'X-Vault-Token': 's.secret' } } as never);
    const classified = classify('login', error);
    assert.equal(classified.cause, 'ECONNREFUSED');
    assert.ok(!JSON.stringify({ ...classified, cause: classified.cause }).includes('s.secret'));
  });

  it("maps node-vault's response errors by status", () => {
    const fromNodeVault = Object.assign(new Error('permission denied'), { response: { statusCode: 403, body: { errors: ['permission denied'] } } });
    const classified = classify('secret_read', fromNodeVault);
    assert.ok(classified instanceof VaultPermissionDeniedError);
    assert.deepEqual(classified.errors, ['permission denied']);
  });

  it('passes our own errors through unchanged', () => {
    const own = new SinkError('/x', 'disk full');
    assert.equal(classify('secret_read', own), own);
  });

  it('turns anything else into a connection error naming its code', () => {
    const classified = classify('login', Object.assign(new Error('boom'), { code: 'EPROTO' }));
    assert.ok(classified instanceof VaultConnectionError);
    assert.match(classified.message, /EPROTO/);
  });
});
