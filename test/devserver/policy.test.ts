import assert from 'node:assert/strict';
import { allows, buildAcl, comparePriority } from '../../src/devserver/acl.js';
import { parsePolicy, PolicyParseError, type Capability } from '../../src/devserver/policy.js';

describe('devserver policy parsing', () => {
  it('reads HCL path blocks with comments', () => {
    const rules = parsePolicy(`
      # app secrets
      path "secret/data/app/*" {
        capabilities = ["read", "list"] // trailing comment
      }
      /* block comment */
      path "database/creds/app" { capabilities = ["read"] }
      path "sys/legacy" { policy = "write" }
    `);
    assert.deepEqual(rules, [
      { pattern: 'secret/data/app/*', capabilities: ['read', 'list'] },
      { pattern: 'database/creds/app', capabilities: ['read'] },
      { pattern: 'sys/legacy', capabilities: ['create', 'read', 'update', 'delete', 'list'] },
    ]);
  });

  it('reads the JSON form', () => {
    const rules = parsePolicy('{"path":{"secret/data/app":{"capabilities":["read"]},"secret/metadata/*":{"capabilities":["list"]}}}');
    assert.deepEqual(rules, [
      { pattern: 'secret/data/app', capabilities: ['read'] },
      { pattern: 'secret/metadata/*', capabilities: ['list'] },
    ]);
  });

  it('ignores parameter constraints it does not enforce', () => {
    const rules = parsePolicy('path "a/b" { capabilities = ["update"]\n allowed_parameters = { "x" = [] "y" = ["1", "2"] } }');
    assert.deepEqual(rules, [{ pattern: 'a/b', capabilities: ['update'] }]);
  });

  for (const bad of ['path "x" { capabilities = ["fly"] }', 'path "x" { capabilities = ["read"]', 'path "x" capabilities', '{"path": 3']) {
    it(`refuses ${JSON.stringify(bad)}`, () => assert.throws(() => parsePolicy(bad), PolicyParseError));
  }
});

describe('devserver policy matching', () => {
  const acl = buildAcl([
    parsePolicy(`
      path "secret/data/app/*" { capabilities = ["read"] }
      path "secret/data/app/admin" { capabilities = ["deny"] }
      path "secret/data/+/shared" { capabilities = ["read", "update"] }
      path "secret/metadata/app/*" { capabilities = ["list"] }
      path "database/creds/app" { capabilities = ["read"] }
      path "kv/*" { capabilities = ["read"] }
      path "kv/+/x" { capabilities = ["deny"] }
    `),
    parsePolicy('path "database/creds/app" { capabilities = ["update"] }'),
  ]);
  const cases: Array<[string, Capability, boolean]> = [
    ['secret/data/app/db', 'read', true],
    ['secret/data/app/db/nested', 'read', true],
    ['secret/data/app/db', 'update', false],
    ['secret/data/app', 'read', false],
    ['secret/data/app/admin', 'read', false],
    ['secret/data/team/shared', 'update', true],
    ['secret/data/team/deep/shared', 'read', false],
    ['secret/metadata/app/', 'list', true],
    ['database/creds/app', 'read', true],
    ['database/creds/app', 'update', true],
    ['database/creds/other', 'read', false],
    ['kv/a/x', 'read', false],
    ['kv/a/y', 'read', true],
    ['sys/policies/acl/x', 'read', false],
  ];
  for (const [path, capability, expected] of cases) {
    it(`${expected ? 'allows' : 'denies'} ${capability} on ${path}`, () => {
      assert.equal(allows(acl, path, capability), expected);
    });
  }

  it('ranks patterns by Vault priority rules', () => {
    assert.ok(comparePriority('secret/*', 'secret/data/*') < 0, 'earlier glob is weaker');
    assert.ok(comparePriority('secret/data/*', 'secret/data/x') < 0, 'glob is weaker than exact');
    assert.ok(comparePriority('a/+/+/c', 'a/+/b/c') < 0, 'more + segments is weaker');
    assert.ok(comparePriority('a/b*', 'a/bc*') < 0, 'shorter is weaker');
  });
});
