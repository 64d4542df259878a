import assert from 'node:assert/strict';
import type { Lease } from '../../src/lease/lease.js';
import { leaseLogFields, rotationReason, type RotationFacts } from '../../src/lease/lease-log.js';

const T = Date.UTC(2030, 0, 1);
const leased: Lease = { id: 'database/creds/app/abc', ttlMs: 60_000, renewable: true, obtainedAt: T, data: {} };
const kv = (version: number): Lease => ({ id: '', ttlMs: 0, renewable: false, obtainedAt: T, version, data: {} });
const certificate: Lease = { id: '', ttlMs: 0, renewable: false, obtainedAt: T, validity: { from: T, until: T + 3_600_000, rotate: 'before' }, data: {} };
const staticRole: Lease = { id: '', ttlMs: 0, renewable: false, obtainedAt: T, validity: { from: T, until: T + 600_000, rotate: 'after' }, data: {} };
const facts = (previous: Lease, more: Partial<RotationFacts> = {}): RotationFacts => ({ previous, next: previous, capped: false, tokenEnding: false, ...more });

describe('lease log lines', () => {
  const reasons: Array<[string, RotationFacts, string]> = [
    ['a renewal refused (revoked)', facts(leased, { endedBy: 'revoked' }), 'lease revoked or expired in Vault'],
    ['a renewal that granted nothing', facts(leased, { endedBy: 'max_ttl' }), 'lease reached its max TTL (renewal granted no more time)'],
    ['a capped lease', facts(leased, { capped: true }), 'lease reached its max TTL'],
    ['a lease whose token ends first', facts(leased, { tokenEnding: true, capped: true }), 'the agent token that owns the lease reaches its max TTL'],
    ['a non-renewable lease', facts({ ...leased, renewable: false }), 'lease not renewable'],
    ['a certificate', facts(certificate), 'certificate reached its rotate_fraction'],
    ['a static role', facts(staticRole), "Vault rotated the static role's password"],
    ['a new KV version', facts(kv(3), { next: kv(4) }), 'new version (3 → 4)'],
    ['unversioned data that changed', facts({ ...kv(1), version: undefined }, { next: { ...kv(1), version: undefined } }), 'data changed'],
  ];
  for (const [name, input, reason] of reasons) it(`says why for ${name}: ${reason}`, () => assert.equal(rotationReason(input), reason));

  it('gives each kind only the timing that applies to it: no ttl_seconds 0 on a KV line, never the lease id', () => {
    assert.deepEqual(leaseLogFields(leased), { ttl_seconds: 60, renewable: true });
    assert.deepEqual(leaseLogFields(kv(7)), { version: 7 });
    assert.deepEqual(leaseLogFields({ ...kv(1), version: undefined }), {});
    assert.deepEqual(leaseLogFields(certificate), { valid_until: new Date(T + 3_600_000).toISOString() });
    assert.ok(!JSON.stringify(leaseLogFields(leased)).includes('abc'));
  });
});
