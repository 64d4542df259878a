import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import jsonpatch from 'fast-json-patch';
import type { IContainer } from 'kubernetes-models/v1/Container';
import type { IPod } from 'kubernetes-models/v1/Pod';
import { startInjector, type InjectorHandle } from '../../src/commands/inject.js';
import { parseConfig } from '../../src/config/index.js';
import { silentLogger } from '../../src/log.js';
import { kubeProblems, type KubeObject } from '../deploy/kube-validate.js';
import { appPod, BASIC_ANNOTATIONS, post, review, selfSignedCert, type TestCert } from './fixtures.js';

interface Response {
  uid: string;
  allowed: boolean;
  patchType?: string;
  patch?: string;
  status?: { code: number; message: string };
  warnings?: string[];
}

describe('vaultlet inject: the webhook over HTTPS', () => {
  let cert: TestCert;
  let injector: InjectorHandle;
  /** Every pod the webhook patched, validated against the Kubernetes schemas at the end. */
  const patchedPods: IPod[] = [];

  before(async () => {
    cert = await selfSignedCert();
    const settings = join(cert.dir, 'injector.yaml');
    await writeFile(settings, 'image: vaultlet:test\nvault:\n  address: https://vault.vault.svc:8200\n  ca_config_map: vault-ca\n');
    injector = await startInjector(
      ['--tls-cert', cert.cert, '--tls-key', cert.key, '--port', '0', '--host', '127.0.0.1', '--config', settings],
      silentLogger(),
    );
  });
  after(async () => {
    await injector?.close();
    await injector?.close(); // safe twice
    await cert?.cleanup();
  });

  async function admit(pod: IPod, overrides: Record<string, unknown> = {}): Promise<{ response: Response; patched: IPod }> {
    const sent = review(pod, overrides);
    const answer = await post(injector.url, '/mutate', JSON.stringify(sent), cert.ca);
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    const body = answer.body as { apiVersion: string; kind: string; response: Response };
    assert.equal(body.apiVersion, 'admission.k8s.io/v1');
    assert.equal(body.kind, 'AdmissionReview');
    assert.equal(body.response.uid, (sent.request as { uid: string }).uid);
    let patched = pod;
    if (body.response.patch !== undefined) {
      assert.equal(body.response.patchType, 'JSONPatch');
      const operations = JSON.parse(Buffer.from(body.response.patch, 'base64').toString('utf8'));
      patched = jsonpatch.applyPatch(structuredClone(pod), operations, true, false).newDocument;
      patchedPods.push(patched);
    }
    return { response: body.response, patched };
  }

  const configOf = (container: IContainer) => {
    const yaml = container.env?.find((variable) => variable.name === 'VAULTLET_CONFIG')?.value;
    assert.ok(yaml, `${container.name} has VAULTLET_CONFIG`);
    return parseConfig(yaml, container.name, {});
  };

  it('adds the native sidecar, volumes and mounts, and the patched pod is the expected pod', async () => {
    const original = appPod({ ...BASIC_ANNOTATIONS });
    const { response, patched } = await admit(original);
    assert.equal(response.allowed, true);
    const sidecar = patched.spec!.initContainers![0]!;
    const expected: IPod = {
      ...original,
      metadata: { ...original.metadata, annotations: { ...BASIC_ANNOTATIONS, 'vaultlet.io/status': 'injected' } },
      spec: {
        ...original.spec!,
        initContainers: [{
          name: 'vaultlet',
          image: 'vaultlet:test',
          args: ['run', '--config-env', 'VAULTLET_CONFIG'],
          env: [{ name: 'VAULTLET_CONFIG', value: sidecar.env![0]!.value! }],
          resources: { requests: { cpu: '10m', memory: '64Mi' }, limits: { memory: '128Mi' } },
          // Its own user whatever the pod's (1000); the files reach the app through the fsGroup.
          securityContext: {
            runAsNonRoot: true, runAsUser: 65532, runAsGroup: 65532, allowPrivilegeEscalation: false, readOnlyRootFilesystem: true,
            capabilities: { drop: ['ALL'] }, seccompProfile: { type: 'RuntimeDefault' },
          },
          volumeMounts: [
            { name: 'vaultlet-secrets', mountPath: '/vault/secrets' },
            { name: 'vaultlet-state', mountPath: '/var/lib/vaultlet' },
            { name: 'vaultlet-token', mountPath: '/var/run/secrets/vaultlet', readOnly: true },
            { name: 'vaultlet-ca', mountPath: '/etc/vaultlet/ca', readOnly: true },
          ],
          restartPolicy: 'Always',
          ports: [{ name: 'vaultlet-http', containerPort: 8098, protocol: 'TCP' }],
          startupProbe: { httpGet: { path: '/readyz', port: 'vaultlet-http' }, periodSeconds: 1, failureThreshold: 120 },
          readinessProbe: { httpGet: { path: '/readyz', port: 'vaultlet-http' }, periodSeconds: 10 },
          livenessProbe: { httpGet: { path: '/healthz', port: 'vaultlet-http' }, periodSeconds: 20 },
        }],
        containers: [
          { name: 'app', image: 'registry.example/app:1', volumeMounts: [
            { name: 'cache', mountPath: '/cache' },
            { name: 'vaultlet-secrets', mountPath: '/vault/secrets', readOnly: true },
          ] },
          { name: 'log-shipper', image: 'registry.example/shipper:2', volumeMounts: [
            { name: 'vaultlet-secrets', mountPath: '/vault/secrets', readOnly: true },
          ] },
        ],
        volumes: [
          { name: 'cache', emptyDir: {} },
          { name: 'vaultlet-secrets', emptyDir: { medium: 'Memory', sizeLimit: '1Mi' } },
          { name: 'vaultlet-state', emptyDir: { medium: 'Memory', sizeLimit: '1Mi' } },
          { name: 'vaultlet-token', projected: { sources: [{ serviceAccountToken: { path: 'token', audience: 'vault', expirationSeconds: 3600 } }] } },
          { name: 'vaultlet-ca', configMap: { name: 'vault-ca', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
        ],
      },
    };
    assert.deepEqual(patched, expected);

    const config = configOf(sidecar);
    assert.equal(config.vault.address, 'https://vault.vault.svc:8200');
    assert.equal(config.vault.caCert, '/etc/vaultlet/ca/ca.crt');
    assert.deepEqual(config.auth, { method: 'kubernetes', mount: 'kubernetes', role: 'demo', tokenPath: '/var/run/secrets/vaultlet/token' });
    assert.deepEqual(config.output, { directory: '/vault/secrets', mode: 0o440, gid: 1000 });
    assert.deepEqual(config.state, { file: '/var/lib/vaultlet/agent/state.json' });
    assert.deepEqual(config.listen, { host: '0.0.0.0', port: 8098 });
    const secretOf = (file: string) => config.secrets.find((secret) => secret.name === config.files.find((entry) => entry.file === file)?.secrets[0]);
    assert.deepEqual(config.files.map((file) => file.file).sort(), ['config.env', 'db.json']);
    assert.deepEqual(secretOf('db.json'), { name: 'db.json', kind: 'leased', path: 'database/creds/demo', method: 'GET' });
    assert.deepEqual(secretOf('config.env'), { name: 'config.env', kind: 'kv2', mount: 'secret', path: 'demo/config', refreshIntervalMs: 300_000 });
    assert.equal(config.files.find((file) => file.file === 'config.env')!.render.format, 'env');
  });

  it('puts the agent before existing init containers and mounts the secrets into them too', async () => {
    const pod = appPod({ ...BASIC_ANNOTATIONS });
    pod.spec!.initContainers = [
      { name: 'migrate', image: 'registry.example/migrate:1' },
      { name: 'warm-cache', image: 'registry.example/warm:1', volumeMounts: [{ name: 'cache', mountPath: '/cache' }] },
    ];
    const { patched } = await admit(pod);
    assert.deepEqual(patched.spec!.initContainers!.map((container) => container.name), ['vaultlet', 'migrate', 'warm-cache']);
    assert.deepEqual(patched.spec!.initContainers![1]!.volumeMounts, [{ name: 'vaultlet-secrets', mountPath: '/vault/secrets', readOnly: true }]);
    assert.deepEqual(patched.spec!.initContainers![2]!.volumeMounts!.map((mount) => mount.name), ['cache', 'vaultlet-secrets']);
  });

  it('appends the agent after the init containers with init-first "false", leaving them untouched', async () => {
    const pod = appPod({ ...BASIC_ANNOTATIONS, 'vaultlet.io/init-first': 'false' });
    pod.spec!.initContainers = [{ name: 'migrate', image: 'registry.example/migrate:1' }];
    const { patched } = await admit(pod);
    assert.deepEqual(patched.spec!.initContainers!.map((container) => container.name), ['migrate', 'vaultlet']);
    assert.equal(patched.spec!.initContainers![0]!.volumeMounts, undefined);
  });

  it('leaves pods without the inject annotation alone, and pods with inject "false"', async () => {
    const cases: Array<Record<string, string> | undefined> = [undefined, { team: 'a' }, { 'vaultlet.io/inject': 'false', 'vaultlet.io/bogus': 'x' }];
    for (const annotations of cases) {
      const { response } = await admit(appPod(annotations));
      assert.deepEqual(response.allowed, true);
      assert.equal(response.patch, undefined);
    }
  });

  it('is idempotent: an injected pod sent again gets no second agent', async () => {
    const first = await admit(appPod({ ...BASIC_ANNOTATIONS }));
    const again = await admit(first.patched);
    assert.equal(again.response.allowed, true);
    assert.equal(again.response.patch, undefined);
    const handWritten = appPod({ ...BASIC_ANNOTATIONS });
    handWritten.spec!.initContainers = [{ name: 'vaultlet', image: 'vaultlet:0.1.0', restartPolicy: 'Always' }];
    assert.equal((await admit(handWritten)).response.patch, undefined);
  });

  it('mode "once": a plain init container that runs `vaultlet once` and no listener', async () => {
    const { patched } = await admit(appPod({ ...BASIC_ANNOTATIONS, 'vaultlet.io/mode': 'once' }));
    const init = patched.spec!.initContainers!;
    assert.deepEqual(init.map((container) => container.name), ['vaultlet-init']);
    assert.equal(init[0]!.restartPolicy, undefined);
    assert.equal(init[0]!.startupProbe, undefined);
    assert.deepEqual(init[0]!.args, ['once', '--config-env', 'VAULTLET_CONFIG', '--timeout', '2m']);
    assert.deepEqual(patched.spec!.containers.map((container) => container.name), ['app', 'log-shipper']);
    const config = configOf(init[0]!);
    assert.equal(config.listen, false);
    assert.equal(config.shutdown.revoke, false);
  });

  it('falls back to an init run plus a regular sidecar with native-sidecar "false"', async () => {
    const { patched } = await admit(appPod({ ...BASIC_ANNOTATIONS, 'vaultlet.io/native-sidecar': 'false' }));
    assert.deepEqual(patched.spec!.initContainers!.map((container) => container.name), ['vaultlet-init']);
    assert.deepEqual(patched.spec!.containers.map((container) => container.name), ['app', 'log-shipper', 'vaultlet']);
    const sidecar = patched.spec!.containers[2]!;
    assert.equal(sidecar.restartPolicy, undefined, 'regular containers cannot have a restartPolicy');
    assert.equal(sidecar.startupProbe, undefined);
    assert.deepEqual(sidecar.args, ['run', '--config-env', 'VAULTLET_CONFIG']);
    assert.equal(sidecar.volumeMounts!.filter((mount) => mount.name === 'vaultlet-secrets').length, 1, 'the agent is not given the app mount twice');
  });

  it('answers dry-run requests exactly like real ones', async () => {
    const pod = appPod({ ...BASIC_ANNOTATIONS });
    const dry = await admit(pod, { dryRun: true });
    const real = await admit(pod);
    assert.equal(dry.response.allowed, true);
    assert.deepEqual(dry.patched, real.patched);
  });

  it('refuses bad annotation values, naming each annotation', async () => {
    const { response } = await admit(appPod({
      'vaultlet.io/inject': 'true',
      'vaultlet.io/role': 'demo',
      'vaultlet.io/secret-db.json': '/database/creds/demo',
      'vaultlet.io/secret-cfg': 'secret/data/app',
      'vaultlet.io/format-cfg': 'xml',
      'vaultlet.io/template-file-page.html': '/etc/templates/page.html',
      'vaultlet.io/secret-page.html': 'secret/data/page',
      'vaultlet.io/mode': 'forever',
      'vaultlet.io/native-sidecar': 'yes',
      'vaultlet.io/secrets-typo': 'x',
    }));
    assert.equal(response.allowed, false);
    assert.equal(response.status?.code, 400);
    const message = response.status!.message;
    for (const expected of [
      'vaultlet.io/secret-db.json: must not start or end with "/"',
      'vaultlet.io/format-cfg: must be one of json, env, yaml, properties, raw, pem, template (got "xml")',
      'vaultlet.io/template-file-page.html: template files are not supported by the injector',
      'vaultlet.io/mode: must be "sidecar" or "once" (got "forever")',
      'vaultlet.io/native-sidecar: must be "true" or "false" (got "yes")',
      'vaultlet.io/secrets-typo: unknown annotation',
    ]) assert.ok(message.includes(expected), `"${expected}" in: ${message}`);
    assert.ok(!message.includes('\n'), 'one line for kubectl');
  });

  it('injects templates, file modes, on-change actions, a certificate and jwt auth as one config the agent accepts', async () => {
    const annotations = {
      'vaultlet.io/inject': 'true',
      'vaultlet.io/role': 'demo',
      'vaultlet.io/auth-method': 'jwt',
      'vaultlet.io/auth-audience': 'https://vault.example',
      'vaultlet.io/secret-nginx.conf': 'secret/data/demo/config',
      'vaultlet.io/template-nginx.conf': 'upstream_key {{data.api_key}};\n',
      'vaultlet.io/file-mode-nginx.conf': '0440',
      'vaultlet.io/on-change-nginx.conf': 'signal:SIGHUP:nginx',
      // Signalling nginx needs its user (the agent has no capabilities).
      'vaultlet.io/run-as-same': 'true',
      'vaultlet.io/secret-tls': 'pki/issue/demo?common_name=demo.demo.svc&ttl=24h',
      'vaultlet.io/kind-tls': 'pki',
      'vaultlet.io/on-change-tls': 'http://127.0.0.1:8080/-/reload',
    };
    const pod = appPod(annotations);
    pod.spec!.shareProcessNamespace = true;
    const { response, patched } = await admit(pod);
    assert.equal(response.allowed, true, response.status?.message);
    assert.deepEqual([patched.spec!.initContainers![0]!.securityContext!.runAsUser, patched.spec!.initContainers![0]!.securityContext!.runAsGroup], [1000, 1000]);
    assert.match(response.warnings!.join('\n'), /run-as-same with shareProcessNamespace: .*read the agent's Vault token through \/proc/);
    const token = patched.spec!.volumes!.find((volume) => volume.name === 'vaultlet-token')!;
    assert.deepEqual(token.projected!.sources![0]!.serviceAccountToken, { path: 'token', audience: 'https://vault.example', expirationSeconds: 3600 });
    const config = configOf(patched.spec!.initContainers![0]!);
    assert.deepEqual(config.auth, { method: 'jwt', mount: 'jwt', role: 'demo', tokenPath: '/var/run/secrets/vaultlet/token', audience: 'https://vault.example' });
    assert.deepEqual(config.files.map((file) => [file.file, file.render.format, file.mode.toString(8), file.onChange.map((action) => action.kind)]), [
      ['nginx.conf', 'template', '440', ['signal']],
      ['tls.crt', 'pem', '440', ['http']],
      ['tls.key', 'pem', '440', ['http']],
      ['tls-ca.crt', 'pem', '440', ['http']],
    ]);
  });

  it('refuses a template the agent could not compile with its annotation and line, and signals without a shared process namespace', async () => {
    const broken = await admit(appPod({
      ...BASIC_ANNOTATIONS,
      'vaultlet.io/secret-app.ini': 'secret/data/demo/config',
      'vaultlet.io/template-app.ini': '[app]\nkey = {{data.api_key}\n',
    }));
    assert.equal(broken.response.allowed, false);
    assert.match(broken.response.status!.message, /vaultlet\.io\/template-app\.ini: line 2: syntax error/);
    const hidden = await admit(appPod({ ...BASIC_ANNOTATIONS, 'vaultlet.io/on-change-db.json': 'signal:SIGUSR1:app' }));
    assert.equal(hidden.response.allowed, false);
    assert.match(hidden.response.status!.message, /vaultlet\.io\/on-change-db\.json: a signal action needs spec\.shareProcessNamespace: true/);
    assert.match(hidden.response.status!.message, /vaultlet\.io\/on-change-db\.json: a signal action needs vaultlet to run as the app's user .*run-as-same/);
  });

  it('refuses an inject value that is not "true"/"false", a pod without secrets or role, and clashing volumes', async () => {
    const bad = await admit(appPod({ 'vaultlet.io/inject': 'yes' }));
    assert.match(bad.response.status!.message, /vaultlet\.io\/inject: must be "true" or "false" \(got "yes"\)/);
    const empty = await admit(appPod({ 'vaultlet.io/inject': 'true' }));
    assert.match(empty.response.status!.message, /vaultlet\.io\/role: required/);
    assert.match(empty.response.status!.message, /vaultlet\.io\/secret-<file>: at least one is required/);
    const clash = appPod({ ...BASIC_ANNOTATIONS });
    clash.spec!.volumes!.push({ name: 'vaultlet-secrets', emptyDir: {} });
    const refused = await admit(clash);
    assert.equal(refused.response.allowed, false);
    assert.match(refused.response.status!.message, /a volume named "vaultlet-secrets" already exists/);
  });

  it('lets non-pod or non-CREATE requests through with a warning', async () => {
    const { response } = await admit(appPod({ ...BASIC_ANNOTATIONS }), { operation: 'UPDATE' });
    assert.equal(response.allowed, true);
    assert.equal(response.patch, undefined);
    assert.match(response.warnings![0]!, /only pod CREATE/);
  });

  it('answers malformed reviews with a 400 that says what is wrong, and keeps serving', async () => {
    const cases: Array<[string, RegExp]> = [
      ['{"apiVersion": "admission.k8s.io/v1", "kind": ', /not valid JSON/],
      ['[]', /must be a JSON object/],
      [JSON.stringify({ apiVersion: 'admission.k8s.io/v1beta1', kind: 'AdmissionReview', request: { uid: 'x' } }), /apiVersion must be admission\.k8s\.io\/v1/],
      [JSON.stringify({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview' }), /request must be an object/],
      [JSON.stringify({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', request: { object: {} } }), /request\.uid/],
    ];
    for (const [body, expected] of cases) {
      const answer = await post(injector.url, '/mutate', body, cert.ca);
      assert.equal(answer.status, 400, body);
      assert.match((answer.body as { error: string }).error, expected);
    }
    const noObject = review(appPod(undefined), { object: 'not a pod' });
    const answer = await post(injector.url, '/mutate', JSON.stringify(noObject), cert.ca);
    assert.equal((answer.body as { response: Response }).response.allowed, false);
    const oddPod = await post(injector.url, '/mutate', JSON.stringify(review({ metadata: { annotations: { ...BASIC_ANNOTATIONS } }, spec: { containers: [7] } } as never)), cert.ca);
    assert.equal(oddPod.status, 200);
    assert.equal((oddPod.body as { response: Response }).response.allowed, false);
    assert.match((oddPod.body as { response: Response }).response.status!.message, /spec\.containers\[0\]: must be an object with a name/);
    const health = await post(injector.url, '/healthz', '', cert.ca, 'GET');
    assert.deepEqual([health.status, health.body], [200, { status: 'ok' }]);
    assert.equal((await post(injector.url, '/mutate', '', cert.ca, 'GET')).status, 405);
  });

  it('every patched pod is valid against the Kubernetes API schemas', async () => {
    assert.ok(patchedPods.length >= 9, `${patchedPods.length} patched pods`);
    const problems = await kubeProblems(patchedPods.map((pod, index) => ({
      ...(pod as KubeObject), metadata: { ...pod.metadata, name: `patched-${index}` },
    })));
    assert.deepEqual(problems, []);
  });
});
