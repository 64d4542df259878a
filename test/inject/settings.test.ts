import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startInjector } from '../../src/commands/inject.js';
import { ConfigError } from '../../src/errors.js';
import { loadInjectorSettings, parseInjectorSettings } from '../../src/inject/settings.js';
import { silentLogger } from '../../src/log.js';

describe('injector settings', () => {
  it('defaults match the documented sidecar: 10m/96Mi requests, 160Mi limit, native sidecars', () => {
    const settings = parseInjectorSettings('', 'test');
    assert.deepEqual(settings.resources, { requests: { cpu: '10m', memory: '96Mi' }, limits: { memory: '160Mi' } });
    assert.equal(settings.native_sidecar, true);
    assert.equal(settings.auth.audience, 'vault');
  });

  it('flags override the file', () => {
    const settings = parseInjectorSettings('image: a:1\nvault: { address: "https://a:8200" }\nnative_sidecar: true\n', 'test', {
      image: 'b:2', vaultAddress: 'https://b:8200', defaultRole: 'r', nativeSidecar: false,
    });
    assert.deepEqual([settings.image, settings.vault.address, settings.auth.default_role, settings.native_sidecar], ['b:2', 'https://b:8200', 'r', false]);
  });

  it('names every bad key', () => {
    assert.throws(
      () => parseInjectorSettings('imag: x\nauth: { token_expiration_seconds: 60 }\nresources: { limits: { memory: lots } }\nonce_timeout: soon\n', 'injector.yaml'),
      (error: unknown) => {
        assert.ok(error instanceof ConfigError);
        assert.match(error.message, /^injector\.yaml: invalid injector settings \(4 problems\)/);
        assert.deepEqual([...error.issues].sort(), [
          'auth.token_expiration_seconds: must be >= 600 (the kubelet minimum)',
          'imag: unknown key',
          'once_timeout: must be a duration like "2m"',
          'resources.limits.memory: must be a Kubernetes quantity like "10m" or "48Mi"',
        ]);
        return true;
      },
    );
  });

  it('a missing settings file, missing TLS flags or files are ConfigErrors (exit 2)', async () => {
    await assert.rejects(loadInjectorSettings('/nonexistent/injector.yaml'), /cannot read injector settings \/nonexistent\/injector\.yaml: no such file/);
    await assert.rejects(startInjector(['--port', '0'], silentLogger()), (error: unknown) => error instanceof ConfigError && /--tls-cert and --tls-key are required/.test(error.message));
    const dir = await mkdtemp(join(tmpdir(), 'vaultlet-settings-'));
    try {
      await writeFile(join(dir, 'bad.crt'), 'not a certificate');
      await writeFile(join(dir, 'bad.key'), 'not a key');
      await assert.rejects(startInjector(['--tls-cert', join(dir, 'missing.crt'), '--tls-key', join(dir, 'bad.key')], silentLogger()), /cannot read TLS certificate .*missing\.crt: no such file/);
      await assert.rejects(
        startInjector(['--tls-cert', join(dir, 'bad.crt'), '--tls-key', join(dir, 'bad.key'), '--port', '0', '--host', '127.0.0.1'], silentLogger()),
        (error: unknown) => error instanceof ConfigError && /is not usable/.test(error.message),
      );
      await assert.rejects(startInjector(['--tls-cert', 'a', '--tls-key', 'b', '--native-sidecar', 'maybe'], silentLogger()), /--native-sidecar must be true or false/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
