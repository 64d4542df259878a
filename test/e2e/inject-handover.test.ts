import assert from 'node:assert/strict';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import jsonpatch from 'fast-json-patch';
import type { IPod } from 'kubernetes-models/v1/Pod';
import { mutatePod } from '../../src/inject/patch.js';
import { parseInjectorSettings } from '../../src/inject/settings.js';
import { freePort } from '../../src/util/free-port.js';
import { apiRuleProblems } from '../deploy/api-rules.js';
import type { AgentProcess } from '../support/agent-process.js';
import { isRoot, PodRuntime } from '../support/pod-runtime.js';
import { forEachBackend } from '../support/vault-backend.js';
import { startVaultFixture, type VaultFixture } from '../support/vault-fixture.js';

/**
 * An injected pod on an old cluster (no native sidecars): the `vaultlet once` init container
 * writes the files, then the `vaultlet run` sidecar adopts its token and leases from the
 * agent's own volume. Real processes, run as the containers' users, against the dev server.
 */
forEachBackend('injected pod: the init container hands its token and leases to the sidecar, and no app container can see them', function (backend) {
  this.timeout(60_000);
  let vault: VaultFixture;
  let runtime: PodRuntime | undefined;
  const agents: AgentProcess[] = [];

  before(function () {
    if (!isRoot) this.skip(); // setpriv needs root to become each container's user
  });
  beforeEach(async () => {
    vault = await startVaultFixture({ backend, dbDefaultTtl: '1m', dbMaxTtl: '10m' });
  });
  afterEach(async function () {
    if (this.currentTest?.state === 'failed') for (const agent of agents) console.log(agent.describe());
    for (const agent of agents.splice(0)) await agent.stop('SIGKILL');
    await runtime?.close();
    await vault.close();
  });

  it('adopts without a login or a lease, app containers read their files, and the token stays on the agent\'s volume', async () => {
    const settings = parseInjectorSettings(`vault: { address: "${vault.backend.url}" }\nagent_port: ${await freePort()}\nnative_sidecar: false\n`, 'test');
    const pod: IPod = {
      apiVersion: 'v1', kind: 'Pod',
      metadata: {
        name: 'demo', namespace: 'default', annotations: {
          'vaultlet.io/inject': 'true', 'vaultlet.io/role': 'demo',
          'vaultlet.io/secret-db.json': 'database/creds/demo',
          'vaultlet.io/secret-config.env': 'secret/data/demo/config', 'vaultlet.io/format-config.env': 'env',
        },
      },
      spec: {
        securityContext: { runAsNonRoot: true, runAsUser: 1000, runAsGroup: 1000 },
        containers: [
          { name: 'app', image: 'registry.example/app:1' },
          { name: 'log-shipper', image: 'registry.example/shipper:2', securityContext: { runAsUser: 2000, runAsGroup: 2000 } },
        ],
      },
    };
    const mutation = mutatePod(pod, settings);
    assert.equal(mutation.action, 'patch');
    const patched = jsonpatch.applyPatch(structuredClone(pod), mutation.action === 'patch' ? mutation.patch : [], true, false).newDocument;
    assert.deepEqual(apiRuleProblems([patched as never]), [], 'the pod would start');

    // Only the agent's two containers mount its state; no app container does.
    const mounting = [...patched.spec!.initContainers!, ...patched.spec!.containers].filter((c) => (c.volumeMounts ?? []).some((m) => m.name === 'vaultlet-state')).map((c) => c.name);
    assert.deepEqual(mounting, ['vaultlet-init', 'vaultlet']);

    runtime = await PodRuntime.create(patched, await readFile(vault.tokenPath, 'utf8'));
    const init = runtime.startAgent('vaultlet-init');
    agents.push(init);
    assert.equal(await init.wait(), 0, init.describe());
    const before = { leases: vault.backend.leasesIssued(), logins: vault.backend.requests.filter((r) => r.path === 'auth/kubernetes/login').length };
    assert.equal(before.logins, 1);

    const sidecar = runtime.startAgent('vaultlet');
    agents.push(sidecar);
    await sidecar.waitReady();
    await sidecar.waitForLog('adopted the lease of a previous run');
    assert.equal(vault.backend.leasesIssued(), before.leases, 'no new lease');
    assert.equal(vault.backend.requests.filter((r) => r.path === 'auth/kubernetes/login').length, before.logins, 'no new login');

    for (const app of ['app', 'log-shipper']) {
      const db = await runtime.read(app, '/vault/secrets/db.json');
      assert.ok('text' in db, `${app}: ${JSON.stringify(db)}`);
      assert.match(db.text, /"username":/);
      const env = await runtime.read(app, '/vault/secrets/config.env');
      assert.ok('text' in env && /^API_KEY=/m.test(env.text), `${app}: ${JSON.stringify(env)}`);
      assert.deepEqual(await runtime.read(app, '/var/lib/vaultlet/agent/state.json'), { error: 'not mounted' });
    }

    // The token is in the state file, owned by the agent's user, and nowhere the apps look.
    const stateFile = join(runtime.volumeDir('vaultlet-state'), 'agent', 'state.json');
    const state = JSON.parse(await readFile(stateFile, 'utf8')) as { token: { token: string } };
    const info = await stat(stateFile);
    assert.deepEqual([info.uid, info.mode & 0o777], [65532, 0o600]);
    assert.deepEqual(await runtime.files('vaultlet-secrets'), ['config.env', 'db.json']);
    for (const file of await runtime.files('vaultlet-secrets')) {
      assert.ok(!(await readFile(join(runtime.volumeDir('vaultlet-secrets'), file), 'utf8')).includes(state.token.token), `${file} holds the token`);
    }
  });
});
