import assert from 'node:assert/strict';
import { ConfigError } from '../../src/errors.js';
import { parseConfig, type VaultConfig } from '../../src/config/index.js';
import { FULL_YAML, MINIMAL_YAML } from './fixtures.js';

describe('Vault environment variables', () => {
  const overrideRows: Array<[variable: string, value: string, expected: Partial<VaultConfig>]> = [
    ['VAULT_ADDR', 'https://other.example:8200', { address: 'https://other.example:8200' }],
    ['VAULT_NAMESPACE', 'team-b', { namespace: 'team-b' }],
    ['VAULT_CACERT', '/etc/other/ca.pem', { caCert: '/etc/other/ca.pem' }],
    ['VAULT_CAPATH', '/etc/other/cas', { caPath: '/etc/other/cas' }],
    ['VAULT_CLIENT_CERT', '/etc/other/tls.crt', { clientCert: '/etc/other/tls.crt' }],
    ['VAULT_CLIENT_KEY', '/etc/other/tls.key', { clientKey: '/etc/other/tls.key' }],
    ['VAULT_SKIP_VERIFY', 'false', { tlsSkipVerify: false }],
    ['VAULT_SKIP_VERIFY', '0', { tlsSkipVerify: false }],
    ['VAULT_MAX_RETRIES', '0', { maxRetries: 0 }],
    ['VAULT_CLIENT_TIMEOUT', '45s', { requestTimeoutMs: 45_000 }],
    ['VAULT_CLIENT_TIMEOUT', '10', { requestTimeoutMs: 10_000 }],
  ];
  for (const [variable, value, expected] of overrideRows) {
    it(`${variable}=${value} overrides the file`, () => {
      const fromFile = parseConfig(FULL_YAML, 'full.yaml', {}).vault;
      const vault = parseConfig(FULL_YAML, 'full.yaml', { [variable]: value }).vault;
      assert.notDeepEqual(fromFile, vault, 'row must change something');
      assert.deepEqual(vault, { ...fromFile, ...expected });
    });
  }

  it('VAULT_SKIP_VERIFY accepts "1" and "true" when the file is silent', () => {
    for (const value of ['1', 'true']) {
      assert.equal(parseConfig(MINIMAL_YAML, 'm.yaml', { VAULT_SKIP_VERIFY: value }).vault.tlsSkipVerify, true, value);
    }
  });

  it('ignores empty variables, as Vault does', () => {
    const vault = parseConfig(FULL_YAML, 'full.yaml', { VAULT_ADDR: '', VAULT_MAX_RETRIES: '' }).vault;
    assert.equal(vault.address, 'https://vault.example:8200');
    assert.equal(vault.maxRetries, 5);
  });

  const errorRows: Array<[variable: string, value: string, expected: string]> = [
    ['VAULT_MAX_RETRIES', 'x', 'VAULT_MAX_RETRIES: must be a non-negative integer (got "x")'],
    ['VAULT_MAX_RETRIES', '-1', 'VAULT_MAX_RETRIES: must be a non-negative integer (got "-1")'],
    ['VAULT_SKIP_VERIFY', 'yes', 'VAULT_SKIP_VERIFY: must be true or false (got "yes")'],
    ['VAULT_CLIENT_TIMEOUT', 'forever', 'VAULT_CLIENT_TIMEOUT: must be a duration like'],
    ['VAULT_CLIENT_TIMEOUT', '0s', 'VAULT_CLIENT_TIMEOUT: must be greater than 0'],
    ['VAULT_ADDR', 'vault:8200', 'VAULT_ADDR: must use http:// or https://'],
    ['VAULT_ADDR', 'not a url', 'VAULT_ADDR: must be an http:// or https:// URL'],
  ];
  for (const [variable, value, expected] of errorRows) {
    it(`rejects ${variable}=${value} naming the variable`, () => {
      assert.throws(() => parseConfig(MINIMAL_YAML, 'm.yaml', { [variable]: value }), (error: unknown) => {
        assert.ok(error instanceof ConfigError);
        assert.ok(error.issues.some((issue) => issue.startsWith(expected)), error.message);
        return true;
      });
    });
  }
});
