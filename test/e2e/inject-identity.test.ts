import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import jsonpatch from 'fast-json-patch';
import type { IContainer } from 'kubernetes-models/v1/Container';
import type { IPod } from 'kubernetes-models/v1/Pod';
import type { IPodSecurityContext } from 'kubernetes-models/v1/PodSecurityContext';
import { ConfigError } from '../../src/errors.js';
import { mutatePod } from '../../src/inject/patch.js';
import { parseInjectorSettings } from '../../src/inject/settings.js';
import { apiRuleProblems } from '../deploy/api-rules.js';
import { kubeProblems, type KubeObject } from '../deploy/kube-validate.js';
import { isRoot, PodRuntime } from '../support/pod-runtime.js';
import { startVaultFixture, type VaultFixture } from '../support/vault-fixture.js';

/**
 * Users and groups, every combination a platform team meets: for each pod the injector's patch is
 * applied, the pod is checked to be startable, the agent container really writes the files as
 * its own user (`vaultlet once` with the sidecar's config, under setpriv), and each app container
 * really reads them as its own user, group and capabilities.
 */

interface Case {
  name: string;
  security?: IPodSecurityContext;
  containers: IContainer[];
  annotations?: Record<string, string>;
  /** The agent's uid and gid the patch must give. */
  agent: [number, number];
}

const app = (name: string, context?: IContainer['securityContext']): IContainer => ({ name, image: `registry.example/${name}:1`, ...(context && { securityContext: context }) });
const hardened = { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } };

const CASES: Case[] = [
  { name: 'no securityContext anywhere (the images run as root)', containers: [app('app')], agent: [65532, 65532] },
  { name: 'pod-level user and group, no fsGroup', security: { runAsNonRoot: true, runAsUser: 1000, runAsGroup: 1000 }, containers: [app('app', hardened)], agent: [65532, 65532] },
  { name: 'pod-level user with fsGroup', security: { runAsUser: 1000, runAsGroup: 1000, fsGroup: 3000 }, containers: [app('app')], agent: [65532, 65532] },
  { name: 'container-level users only, two containers', containers: [app('app', { runAsUser: 1000, runAsGroup: 1000 }), app('worker', { runAsUser: 2000, ...hardened })], agent: [65532, 65532] },
  { name: 'a root pod (runAsUser 0) whose app drops every capability', security: { runAsUser: 0 }, containers: [app('app', hardened)], agent: [65532, 65532] },
  { name: 'several users with fsGroup and supplementalGroups', security: { runAsUser: 1000, fsGroup: 4000, supplementalGroups: [5000] }, containers: [app('app'), app('worker', { runAsUser: 2000, runAsGroup: 2000, ...hardened }), app('root-tool', { runAsUser: 0, ...hardened })], agent: [65532, 65532] },
  { name: 'run-as-same: the agent takes the first container\'s user', security: { runAsUser: 1000, runAsGroup: 1000 }, containers: [app('app'), app('worker', { runAsUser: 2000 })], annotations: { 'vaultlet.io/run-as-same': 'true' }, agent: [1000, 1000] },
  { name: 'run-as-user and run-as-group annotations', security: { runAsUser: 1000 }, containers: [app('app', hardened)], annotations: { 'vaultlet.io/run-as-user': '7000', 'vaultlet.io/run-as-group': '7000' }, agent: [7000, 7000] },
  { name: 'a 0400 file with run-as-same: only the owner reads it, and the owner is the app', security: { runAsUser: 1000, runAsGroup: 1000 }, containers: [app('app')], annotations: { 'vaultlet.io/run-as-same': 'true', 'vaultlet.io/file-mode-db.json': '0400' }, agent: [1000, 1000] },
];

// On the dev server only: what is checked here is file ownership and modes on disk, which no
// Vault answer changes (the handover test runs against both backends).
describe('injected pods: whatever users and groups the pod has, the agent runs as itself and every app container reads its files', function () {
  this.timeout(120_000);
  let vault: VaultFixture;
  const patchedPods: KubeObject[] = [];

  before(async function () {
    if (!isRoot) this.skip(); // setpriv needs root to become each container's user
    vault = await startVaultFixture();
  });
  after(async () => {
    await vault?.close();
  });

  const podFor = (testCase: Case): IPod => ({
    apiVersion: 'v1', kind: 'Pod',
    metadata: {
      name: 'demo', namespace: 'default', annotations: {
        'vaultlet.io/inject': 'true', 'vaultlet.io/role': 'demo',
        'vaultlet.io/secret-db.json': 'database/creds/demo',
        'vaultlet.io/secret-config.env': 'secret/data/demo/config', 'vaultlet.io/format-config.env': 'env',
        ...testCase.annotations,
      },
    },
    spec: { ...(testCase.security && { securityContext: testCase.security }), containers: testCase.containers },
  });

  for (const testCase of CASES) {
    it(testCase.name, async () => {
      const settings = parseInjectorSettings(`vault: { address: "${vault.backend.url}" }\n`, 'test');
      const pod = podFor(testCase);
      const mutation = mutatePod(pod, settings);
      assert.equal(mutation.action, 'patch');
      const patched = jsonpatch.applyPatch(structuredClone(pod), mutation.action === 'patch' ? mutation.patch : [], true, false).newDocument;
      assert.deepEqual(apiRuleProblems([patched as KubeObject]), [], 'the kubelet would start every container');
      patchedPods.push({ ...(patched as KubeObject), metadata: { name: `case-${patchedPods.length}` } });
      const agent = patched.spec!.initContainers![0]!;
      assert.deepEqual([agent.securityContext?.runAsUser, agent.securityContext?.runAsGroup, agent.securityContext?.runAsNonRoot], [...testCase.agent, true]);

      const runtime = await PodRuntime.create(patched, await readFile(vault.tokenPath, 'utf8'));
      try {
        // The sidecar's own config and user, run once: the same writer, without waiting for a listener.
        const once = runtime.startAgent('vaultlet', ['once', '--config-env', 'VAULTLET_CONFIG', '--timeout', '20s']);
        assert.equal(await once.wait(), 0, once.describe());
        for (const container of testCase.containers) {
          for (const file of ['db.json', 'config.env']) {
            const read = await runtime.read(container.name, `/vault/secrets/${file}`);
            assert.ok('text' in read && read.text.length > 0, `${container.name} reads ${file}: ${JSON.stringify(read)}`);
          }
        }
      } finally {
        await runtime.close();
      }
    });
  }

  it('every patched pod is valid against the Kubernetes API schemas', async () => {
    assert.equal(patchedPods.length, CASES.length);
    assert.deepEqual(await kubeProblems(patchedPods), []);
  });

  it('refuses, naming the container, a file mode that would lock one out', () => {
    const settings = parseInjectorSettings('', 'test');
    const refusal = (testCase: Case) => {
      try {
        mutatePod(podFor(testCase), settings);
      } catch (error) {
        assert.ok(error instanceof ConfigError);
        return error.issues.join('\n');
      }
      return assert.fail('expected a refusal');
    };
    const locked = refusal({ name: '', security: { runAsUser: 1000, fsGroup: 1000 }, containers: [app('app'), app('worker', { runAsUser: 2000 })], annotations: { 'vaultlet.io/file-mode-db.json': '0400' }, agent: [0, 0] });
    assert.match(locked, /vaultlet\.io\/file-mode-db\.json: 0400 leaves db\.json unreadable by container "app" \(uid 1000\), "worker" \(uid 2000\): files are owned by vaultlet's user 65532 and group 1000/);
    const unknown = refusal({ name: '', containers: [app('app', hardened)], annotations: { 'vaultlet.io/file-mode-db.json': '0400' }, agent: [0, 0] });
    assert.match(unknown, /"app" \(its user is the image's, unknown here\)/);
    assert.match(refusal({ name: '', containers: [app('app')], annotations: { 'vaultlet.io/run-as-user': '0' }, agent: [0, 0] }), /run-as-user: vaultlet never runs as root/);
    assert.match(refusal({ name: '', containers: [app('app')], annotations: { 'vaultlet.io/run-as-same': 'true' }, agent: [0, 0] }), /run-as-same: container "app" sets no runAsUser/);
    assert.match(refusal({ name: '', security: { runAsUser: 0 }, containers: [app('app')], annotations: { 'vaultlet.io/run-as-same': 'true' }, agent: [0, 0] }), /run-as-same: container "app" runs as root, and vaultlet never does/);
  });
});
