import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { parseAllDocuments } from 'yaml';
import { apiRuleProblems, matchConditionsAdmit } from './api-rules.js';
import { deployDir, yamlFiles } from './deploy-files.js';
import { kubeProblems, type KubeObject } from './kube-validate.js';

const run = promisify(execFile);
type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** What `kubectl apply -k <dir>` would send: kustomize's own output, not the files. */
async function kustomize(dir: string): Promise<Json[]> {
  const { stdout } = await run('kubectl', ['kustomize', join(deployDir, dir)], { maxBuffer: 16 * 1024 * 1024 });
  return parseAllDocuments(stdout).map((document) => document.toJS() as Json).filter((object) => object !== null);
}

const one = (objects: Json[], kind: string, name?: string): Json => {
  const found = objects.filter((object) => object.kind === kind && (name === undefined || object.metadata?.name === name));
  assert.equal(found.length, 1, `one ${kind}${name ? `/${name}` : ''}`);
  return found[0]!;
};

const pod = (annotations?: Record<string, string>, labels?: Record<string, string>) => ({ metadata: { name: 'p', ...(annotations && { annotations }), ...(labels && { labels }) } });

describe('deploy/ as kustomize builds it', function () {
  this.timeout(60_000);
  const builds = new Map<string, Json[]>();

  before(async () => {
    const dirs = (await yamlFiles()).filter((file) => file.endsWith('kustomization.yaml')).map((file) => dirname(file));
    for (const dir of dirs) builds.set(dir, await kustomize(dir));
  });

  it('every kustomization builds into objects the API server would accept', async () => {
    assert.ok(builds.size >= 8, [...builds.keys()].join(', '));
    for (const [dir, objects] of builds) {
      const problems = [...(await kubeProblems(objects as KubeObject[])), ...apiRuleProblems(objects as KubeObject[])];
      assert.deepEqual(problems, [], dir);
    }
  });

  it('the webhook is called only for pods that ask, is re-invoked, and has no caBundle a re-apply would wipe', () => {
    const webhook = one(builds.get('injector')!, 'MutatingWebhookConfiguration').webhooks[0];
    assert.equal(webhook.reinvocationPolicy, 'IfNeeded');
    assert.equal('caBundle' in webhook.clientConfig, false);
    assert.equal(matchConditionsAdmit(webhook, pod({ 'vaultlet.io/inject': 'true' })), true);
    assert.equal(matchConditionsAdmit(webhook, pod({ 'vaultlet.io/inject': 'yes' })), true, 'a bad value reaches the injector, which names it');
    for (const other of [pod(), pod({}), pod({ team: 'a' }), pod({ 'vaultlet.io/inject': 'false' }), pod({ 'vault.hashicorp.com/agent-inject': 'true' })]) {
      assert.equal(matchConditionsAdmit(webhook, other), false, JSON.stringify(other));
    }
  });

  it('the old-clusters overlay selects pods by label instead (no matchConditions before 1.28), and the examples carry it', () => {
    const objects = builds.get('overlays/old-clusters')!;
    const webhook = one(objects, 'MutatingWebhookConfiguration').webhooks[0];
    assert.equal(webhook.matchConditions, undefined);
    assert.deepEqual(webhook.objectSelector, { matchLabels: { 'vaultlet.io/inject': 'true' } });
    for (const workload of builds.get('example')!.filter((object) => object.spec?.template?.metadata?.annotations?.['vaultlet.io/inject'] === 'true')) {
      assert.equal(workload.spec.template.metadata.labels['vaultlet.io/inject'], 'true', `${workload.kind}/${workload.metadata.name}`);
    }
    assert.match(one(objects, 'ConfigMap', 'vaultlet-injector').data['injector.yaml'], /native_sidecar: false/);
  });

  it('the cert-manager overlay issues the Secret the injector reads, for the Service name, and injects its CA', () => {
    const objects = builds.get('overlays/cert-manager')!;
    const webhook = one(objects, 'MutatingWebhookConfiguration');
    const [namespace, name] = webhook.metadata.annotations['cert-manager.io/inject-ca-from'].split('/');
    const certificate = one(objects, 'Certificate', name);
    assert.equal(certificate.metadata.namespace, namespace);
    const service = webhook.webhooks[0].clientConfig.service;
    assert.ok(certificate.spec.dnsNames.includes(`${service.name}.${service.namespace}.svc`));
    const deployment = one(objects, 'Deployment', 'vaultlet-injector');
    const tls = deployment.spec.template.spec.volumes.find((volume: Json) => volume.name === 'tls');
    assert.equal(tls.secret.secretName, certificate.spec.secretName);
    const issuer = one(objects, 'Issuer', certificate.spec.issuerRef.name);
    assert.equal(one(objects, 'Certificate', 'vaultlet-injector-ca').spec.secretName, issuer.spec.ca.secretName);
  });

  it('the PodMonitor overlay scrapes the injector\'s metrics port, and the migration overlay sends vault-k8s pods too', () => {
    const monitored = builds.get('overlays/injector-with-podmonitor')!;
    const monitor = one(monitored, 'PodMonitor', 'vaultlet-injector');
    const deployment = one(monitored, 'Deployment', 'vaultlet-injector');
    const container = deployment.spec.template.spec.containers[0];
    const port = container.ports.find((p: Json) => p.name === monitor.spec.podMetricsEndpoints[0].port);
    assert.ok(port && container.args.includes(`--metrics-port=${port.containerPort}`));
    assert.deepEqual(monitor.spec.selector.matchLabels, { 'app.kubernetes.io/component': deployment.spec.template.metadata.labels['app.kubernetes.io/component'] });

    const migrating = builds.get('overlays/vault-k8s-migration')!;
    assert.ok(one(migrating, 'Deployment', 'vaultlet-injector').spec.template.spec.containers[0].args.includes('--vault-k8s-annotations=alongside'));
    const webhook = one(migrating, 'MutatingWebhookConfiguration').webhooks[0];
    assert.equal(matchConditionsAdmit(webhook, pod({ 'vault.hashicorp.com/agent-inject': 'true' })), true);
    assert.equal(matchConditionsAdmit(webhook, pod({ 'vaultlet.io/inject': 'true' })), true);
    assert.equal(matchConditionsAdmit(webhook, pod({ app: 'x' })), false);
  });
});
