import assert from 'node:assert/strict';
import { access } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { IContainer } from 'kubernetes-models/v1/Container';
import type { IPod } from 'kubernetes-models/v1/Pod';
import { parseConfig } from '../../src/config/index.js';
import { mutatePod } from '../../src/inject/patch.js';
import { parseInjectorSettings } from '../../src/inject/settings.js';
import jsonpatch from 'fast-json-patch';
import { allManifests, deployDir, documentsOf, find, yamlFiles, type DeployDocument } from './deploy-files.js';
import { kubeProblems, type KubeObject } from './kube-validate.js';

type Spec = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

describe('deploy/ manifests', () => {
  let documents: DeployDocument[];
  before(async () => {
    documents = await allManifests();
  });

  it('every object in deploy/ is valid against the Kubernetes API schemas, with no unknown fields', async () => {
    assert.ok(documents.length >= 15, `${documents.length} objects`);
    const problems = await kubeProblems(documents.map(({ object }) => object));
    assert.deepEqual(problems, []);
  });

  it('every kustomization points at files that exist, and every manifest belongs to one', async () => {
    const listed = new Set<string>();
    for (const file of (await yamlFiles()).filter((name) => name.endsWith('kustomization.yaml'))) {
      const [kustomization] = await documentsOf(file);
      const entries = [...((kustomization!.resources as string[] | undefined) ?? []), ...((kustomization!.patches as Array<{ path?: string }> | undefined) ?? []).flatMap((patch) => (patch.path === undefined ? [] : [patch.path]))];
      assert.ok(entries.length > 0, `${file} lists something`);
      for (const entry of entries) {
        const target = join(dirname(file), entry);
        await access(join(deployDir, target, entry.startsWith('..') ? 'kustomization.yaml' : '')).catch(() => assert.fail(`${file}: ${entry} does not exist`));
        listed.add(target);
      }
    }
    const orphans = [...new Set(documents.map((document) => document.file))].filter((file) => !listed.has(file));
    assert.deepEqual(orphans, []);
  });

  it('the example pod runs vaultlet as a hardened native sidecar', () => {
    const pod = find(documents, 'Pod', 'demo-app') as Spec;
    const sidecar = pod.spec.initContainers.find((container: IContainer) => container.name === 'vaultlet');
    assertHardenedNativeSidecar(sidecar);
    assert.equal(pod.spec.automountServiceAccountToken, false);
    const volumes = Object.fromEntries(pod.spec.volumes.map((volume: Spec) => [volume.name, volume]));
    assert.deepEqual(volumes['vault-secrets'].emptyDir, { medium: 'Memory', sizeLimit: '1Mi' });
    assert.deepEqual(volumes['vaultlet-token'].projected.sources[0].serviceAccountToken, { path: 'token', audience: 'vault', expirationSeconds: 3600 });
    assert.equal(pod.metadata.annotations['prometheus.io/port'], String(sidecar.ports[0].containerPort));
  });

  it("the example pod's vaultlet config is valid, and its paths match the pod's mounts", () => {
    const configMap = find(documents, 'ConfigMap', 'demo-app-vaultlet') as Spec;
    const config = parseConfig(configMap.data['config.yaml'], 'deploy/example/pod.yaml', {});
    const pod = find(documents, 'Pod', 'demo-app') as Spec;
    const mounts: Spec[] = pod.spec.initContainers[0].volumeMounts;
    // The deepest mount wins, as in the container's filesystem (/etc/vaultlet/ca inside /etc/vaultlet).
    const mountOf = (path: string) => mounts
      .filter((mount) => path.startsWith(`${mount.mountPath}/`) || path === mount.mountPath)
      .sort((a, b) => b.mountPath.length - a.mountPath.length)[0];
    assert.equal(config.auth.method === 'kubernetes' && mountOf(config.auth.tokenPath)?.name, 'vaultlet-token');
    assert.equal(mountOf(config.output.directory)?.name, 'vault-secrets');
    assert.equal(mountOf(config.vault.caCert!)?.name, 'vault-ca');
    // The token and leases live where only the agent looks.
    assert.equal(config.state && mountOf(config.state.file)?.name, 'vaultlet-state');
    for (const app of pod.spec.containers as IContainer[]) {
      assert.ok(!(app.volumeMounts ?? []).some((mount) => mount.name === 'vaultlet-state'), `${app.name} must not mount the agent's state`);
    }
  });

  it('the annotated Deployment and Job, injected with the shipped settings, give valid pods with hardened native sidecars', async () => {
    const settings = parseInjectorSettings((find(documents, 'ConfigMap', 'vaultlet-injector', 'injector/configmap.yaml') as Spec).data['injector.yaml'], 'configmap');
    const pods: KubeObject[] = [];
    for (const [kind, name] of [['Deployment', 'demo-injected'], ['Job', 'demo-migrate']]) {
      const template = (find(documents, kind!, name!) as Spec).spec.template;
      const pod: IPod = { apiVersion: 'v1', kind: 'Pod', metadata: { ...template.metadata, name }, spec: template.spec };
      const mutation = mutatePod(pod, settings);
      assert.equal(mutation.action, 'patch', `${kind}/${name} is injected`);
      const patched = jsonpatch.applyPatch(structuredClone(pod), mutation.action === 'patch' ? mutation.patch : [], true, false).newDocument as Spec;
      assertHardenedNativeSidecar(patched.spec.initContainers[0]);
      parseConfig(patched.spec.initContainers[0].env[0].value, `${kind}/${name}`, {});
      pods.push(patched as KubeObject);
    }
    assert.deepEqual(await kubeProblems(pods), []);
  });

  it('the old-clusters overlay turns native sidecars off and changes nothing else', async () => {
    const shipped = parseInjectorSettings((find(documents, 'ConfigMap', 'vaultlet-injector', 'injector/configmap.yaml') as Spec).data['injector.yaml'], 'base');
    const overlay = parseInjectorSettings((find(documents, 'ConfigMap', 'vaultlet-injector', 'overlays/old-clusters/injector-settings.yaml') as Spec).data['injector.yaml'], 'overlay');
    assert.equal(overlay.native_sidecar, false);
    assert.deepEqual({ ...overlay, native_sidecar: true }, shipped);
  });

  it('the webhook calls the Service that selects the injector pods, only for opted-in namespaces, and fails closed', () => {
    const webhook = (find(documents, 'MutatingWebhookConfiguration', 'vaultlet-injector') as Spec).webhooks[0];
    const service = find(documents, 'Service', 'vaultlet-injector') as Spec;
    const deployment = find(documents, 'Deployment', 'vaultlet-injector') as Spec;
    assert.deepEqual(webhook.clientConfig.service, { name: service.metadata.name, namespace: service.metadata.namespace, path: '/mutate', port: service.spec.ports[0].port });
    assert.deepEqual(service.spec.selector, deployment.spec.template.metadata.labels);
    const container = deployment.spec.template.spec.containers[0];
    assert.equal(container.args[0], 'inject');
    assert.ok(container.ports.some((port: Spec) => port.name === service.spec.ports[0].targetPort));
    assert.deepEqual([webhook.failurePolicy, webhook.sideEffects, webhook.admissionReviewVersions], ['Fail', 'None', ['v1']]);
    assert.deepEqual(webhook.rules, [{ apiGroups: [''], apiVersions: ['v1'], operations: ['CREATE'], resources: ['pods'], scope: 'Namespaced' }]);
    assert.deepEqual(webhook.namespaceSelector, { matchLabels: { 'vaultlet.io/injection': 'enabled' } });
    const injectorNamespace = find(documents, 'Namespace', service.metadata.namespace) as Spec;
    assert.notEqual(injectorNamespace.metadata.labels?.['vaultlet.io/injection'], 'enabled', 'the injector never waits for itself');
    assert.equal((find(documents, 'Namespace', 'demo') as Spec).metadata.labels['vaultlet.io/injection'], 'enabled');
    assert.ok(deployment.spec.replicas >= 2, 'failurePolicy Fail needs more than one injector');
  });

  it('Vault may call TokenReview, and the PodMonitor scrapes the sidecar port', () => {
    const binding = find(documents, 'ClusterRoleBinding', 'vault-token-reviewer') as Spec;
    assert.equal(binding.roleRef.name, 'system:auth-delegator');
    const podMonitor = find(documents, 'PodMonitor', 'vaultlet') as Spec;
    const pod = find(documents, 'Pod', 'demo-app') as Spec;
    assert.equal(podMonitor.spec.podMetricsEndpoints[0].port, pod.spec.initContainers[0].ports[0].name);
    assert.equal(podMonitor.spec.podMetricsEndpoints[0].path, '/metrics');
  });
});

function assertHardenedNativeSidecar(sidecar: Spec): void {
  assert.equal(sidecar.restartPolicy, 'Always', 'native sidecar');
  assert.equal(sidecar.startupProbe.httpGet.path, '/readyz');
  assert.deepEqual(sidecar.resources, { requests: { cpu: '10m', memory: '64Mi' }, limits: { memory: '128Mi' } });
  const security = sidecar.securityContext;
  assert.equal(security.allowPrivilegeEscalation, false);
  assert.equal(security.readOnlyRootFilesystem, true);
  assert.equal(security.runAsNonRoot, true);
  assert.deepEqual(security.capabilities.drop, ['ALL']);
  assert.deepEqual(security.seccompProfile, { type: 'RuntimeDefault' });
}
