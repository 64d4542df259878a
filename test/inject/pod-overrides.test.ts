import assert from 'node:assert/strict';
import jsonpatch from 'fast-json-patch';
import type { IPod } from 'kubernetes-models/v1/Pod';
import { parseConfig } from '../../src/config/index.js';
import { ConfigError } from '../../src/errors.js';
import { mutatePod, type Mutation } from '../../src/inject/patch.js';
import { parseInjectorSettings } from '../../src/inject/settings.js';
import { apiRuleProblems } from '../deploy/api-rules.js';
import { appPod, BASIC_ANNOTATIONS } from './fixtures.js';

const settings = parseInjectorSettings('vault: { ca_config_map: vault-ca }\n', 'test');

function patched(pod: IPod, mutation: Mutation = mutatePod(pod, settings)): IPod {
  assert.equal(mutation.action, 'patch');
  return jsonpatch.applyPatch(structuredClone(pod), mutation.action === 'patch' ? mutation.patch : [], true, false).newDocument;
}

function refused(pod: IPod): string {
  try {
    mutatePod(pod, settings);
  } catch (error) {
    assert.ok(error instanceof ConfigError);
    return error.issues.join('\n');
  }
  return assert.fail('expected a refusal');
}

const agentOf = (pod: IPod) => pod.spec!.initContainers!.find((container) => container.name === 'vaultlet')!;
const configOf = (pod: IPod) => parseConfig(agentOf(pod).env![0]!.value!, 'generated', {});

describe('inject: per-pod overrides, ports, re-invocation', () => {
  it('takes resources, Vault namespace, auth mount, CA source and port from the pod', () => {
    const pod = patched(appPod({
      ...BASIC_ANNOTATIONS,
      'vaultlet.io/agent-requests-cpu': '50m', 'vaultlet.io/agent-limits-memory': '256Mi',
      'vaultlet.io/vault-namespace': 'team-a', 'vaultlet.io/auth-mount': 'auth/k8s-east',
      'vaultlet.io/ca-secret': 'vault-tls', 'vaultlet.io/agent-port': '9100',
    }));
    const agent = agentOf(pod);
    assert.deepEqual(agent.resources, { requests: { cpu: '50m', memory: '64Mi' }, limits: { memory: '256Mi' } });
    assert.deepEqual(agent.ports, [{ name: 'vaultlet-http', containerPort: 9100, protocol: 'TCP' }]);
    const config = configOf(pod);
    assert.equal(config.vault.namespace, 'team-a');
    assert.equal(config.auth.method === 'kubernetes' && config.auth.mount, 'k8s-east');
    assert.deepEqual(config.listen, { host: '0.0.0.0', port: 9100 });
    assert.equal(config.vault.caCert, '/etc/vaultlet/ca/ca.crt');
    assert.deepEqual(pod.spec!.volumes!.find((volume) => volume.name === 'vaultlet-ca'), { name: 'vaultlet-ca', secret: { secretName: 'vault-tls', items: [{ key: 'ca.crt', path: 'ca.crt' }] } });
    assert.deepEqual(apiRuleProblems([pod as never]), []);
  });

  it('refuses bad overrides, naming each annotation', () => {
    const problems = refused(appPod({
      ...BASIC_ANNOTATIONS,
      'vaultlet.io/agent-port': '70000', 'vaultlet.io/agent-requests-memory': 'lots',
      'vaultlet.io/auth-mount': '/abs', 'vaultlet.io/ca-config-map': 'Not_A_Name', 'vaultlet.io/containers': 'app,ghost',
    }));
    for (const pattern of [
      /vaultlet\.io\/agent-port: must be a port number between 1 and 65535 \(got "70000"\)/,
      /vaultlet\.io\/agent-requests-memory: must be a Kubernetes quantity/,
      /vaultlet\.io\/auth-mount: must not start or end with "\/"/,
      /vaultlet\.io\/ca-config-map: must be a ConfigMap name/,
    ]) assert.match(problems, pattern);
    // Checked against the injector's defaults too: a request above the limit the API server would refuse.
    assert.match(refused(appPod({ ...BASIC_ANNOTATIONS, 'vaultlet.io/agent-requests-memory': '512Mi' })), /the memory request 512Mi is more than the limit 128Mi/);
    assert.match(refused(appPod({ ...BASIC_ANNOTATIONS, 'vaultlet.io/containers': 'app,ghost' })), /vaultlet\.io\/containers: the pod has no container named "ghost"/);
  });

  it('mounts the secrets only into the named containers', () => {
    const pod = patched(appPod({ ...BASIC_ANNOTATIONS, 'vaultlet.io/containers': 'app' }));
    const mounted = pod.spec!.containers.filter((container) => (container.volumeMounts ?? []).some((mount) => mount.name === 'vaultlet-secrets')).map((container) => container.name);
    assert.deepEqual(mounted, ['app']);
  });

  it('refuses a port an app container already uses, and a hostNetwork pod without a chosen port', () => {
    const clash = appPod({ ...BASIC_ANNOTATIONS });
    clash.spec!.containers[0]!.ports = [{ containerPort: 8098, name: 'http' }];
    assert.match(refused(clash), /container "app": already uses port 8098, the vaultlet agent's; choose another with vaultlet\.io\/agent-port/);
    const host = appPod({ ...BASIC_ANNOTATIONS });
    host.spec!.hostNetwork = true;
    assert.match(refused(host), /spec\.hostNetwork: the agent's port \(8098\) would open on the node/);
    const chosen = appPod({ ...BASIC_ANNOTATIONS, 'vaultlet.io/agent-port': '19098' });
    chosen.spec!.hostNetwork = true;
    const mutation = mutatePod(chosen, settings);
    assert.match(mutation.warnings.join('\n'), /hostNetwork pod the agent's \/metrics and \/status answer on the node's addresses/);
    // once mode opens no port at all.
    const once = appPod({ ...BASIC_ANNOTATIONS, 'vaultlet.io/mode': 'once' });
    once.spec!.hostNetwork = true;
    assert.equal(mutatePod(once, settings).action, 'patch');
  });

  it('re-invoked after another webhook added a container: mounts the secrets there, adds nothing else, and is idempotent', () => {
    const first = patched(appPod({ ...BASIC_ANNOTATIONS }));
    first.spec!.containers.push({ name: 'mesh-proxy', image: 'registry.example/proxy:1' });
    const again = patched(first);
    assert.deepEqual(again.spec!.containers.at(-1)!.volumeMounts, [{ name: 'vaultlet-secrets', mountPath: '/vault/secrets', readOnly: true }]);
    assert.equal(again.spec!.volumes!.length, first.spec!.volumes!.length);
    assert.equal(again.spec!.initContainers!.length, first.spec!.initContainers!.length);
    assert.deepEqual(mutatePod(again, settings), { action: 'skip', reason: 'already injected', warnings: [] });
    assert.deepEqual(apiRuleProblems([again as never]), []);
  });

  it('does not guess KV for a certificate path', () => {
    const pod = patched(appPod({ 'vaultlet.io/inject': 'true', 'vaultlet.io/role': 'demo', 'vaultlet.io/secret-web': 'pki/issue/web?common_name=web.demo.svc' }));
    const secret = configOf(pod).secrets[0]!;
    assert.deepEqual(secret.kind === 'pki' && [secret.mount, secret.role, secret.params], ['pki', 'web', { common_name: 'web.demo.svc' }]);
    const bare = configOf(patched(appPod({ 'vaultlet.io/inject': 'true', 'vaultlet.io/role': 'demo', 'vaultlet.io/secret-web': 'pki_int/issue/web' }))).secrets[0]!;
    assert.equal(bare.kind, 'pki');
    const kv = configOf(patched(appPod({ 'vaultlet.io/inject': 'true', 'vaultlet.io/role': 'demo', 'vaultlet.io/secret-x': 'secret/data/tickets/issue/42' }))).secrets[0]!;
    assert.equal(kv.kind, 'kv2', 'the KV API form stays KV');
  });

  it('injector settings: the state volume may not overlap the secrets', () => {
    assert.throws(() => parseInjectorSettings('state_path: /vault/secrets/state\n', 'test'), /state_path: must not overlap secrets_path/);
    assert.throws(() => parseInjectorSettings('run_as: { user: 0 }\n', 'test'), /run_as\.user: must be >= 1/);
  });
});
