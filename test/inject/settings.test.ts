import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startInjector } from '../../src/commands/inject.js';
import { ConfigError } from '../../src/errors.js';
import { loadInjectorSettings, parseInjectorSettings } from '../../src/inject/settings.js';
import type { IContainer } from 'kubernetes-models/v1/Container';
import { parseConfig } from '../../src/config/index.js';
import { mutatePod } from '../../src/inject/patch.js';
import { silentLogger } from '../../src/log.js';
import { appPod, BASIC_ANNOTATIONS } from './fixtures.js';

describe('injector settings', () => {
  it('defaults match the documented sidecar: 10m/64Mi requests, 128Mi limit, native sidecars', () => {
    const settings = parseInjectorSettings('', 'test');
    assert.deepEqual(settings.resources, { requests: { cpu: '10m', memory: '64Mi' }, limits: { memory: '128Mi' } });
    assert.equal(settings.native_sidecar, true);
    assert.equal(settings.auth.audience, 'vault');
    assert.deepEqual([settings.auth.default_method, settings.auth.mount, settings.auth.jwt_mount], ['kubernetes', 'kubernetes', 'jwt']);
  });

  it('auth.default_method jwt: pods without vaultlet.io/auth-method log in with jwt on auth.jwt_mount', () => {
    const settings = parseInjectorSettings('auth: { default_method: jwt, jwt_mount: oidc/cluster-a, audience: https://vault.example }\n', 'test');
    const config = (annotations: Record<string, string>) => {
      const mutation = mutatePod(appPod({ ...BASIC_ANNOTATIONS, ...annotations }), settings);
      assert.equal(mutation.action, 'patch');
      const sidecar = mutation.action === 'patch' ? mutation.patch.find((op) => op.path === '/spec/initContainers') : undefined;
      const yaml = (sidecar as { value: IContainer[] } | undefined)?.value[0]?.env?.[0]?.value;
      return parseConfig(yaml!, 'generated', {});
    };
    assert.deepEqual(config({}).auth, { method: 'jwt', mount: 'oidc/cluster-a', role: 'demo', tokenPath: '/var/run/secrets/vaultlet/token', audience: 'https://vault.example' });
    assert.equal(config({ 'vaultlet.io/auth-method': 'kubernetes' }).auth.method, 'kubernetes');
    assert.throws(() => parseInjectorSettings('auth: { default_method: approle }\n', 'test'), /auth\.default_method: /);
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
