import assert from 'node:assert/strict';
import jsonpatch from 'fast-json-patch';
import type { IPod } from 'kubernetes-models/v1/Pod';
import { parseConfig } from '../../src/config/index.js';
import { ConfigError } from '../../src/errors.js';
import { mutatePod } from '../../src/inject/patch.js';
import { parseInjectorSettings } from '../../src/inject/settings.js';
import { IGNORED, SAME } from '../../src/inject/vault-k8s.js';
import { readFile } from 'node:fs/promises';
import { repoPath } from '../support/repo-root.js';
import { appPod } from './fixtures.js';

const settingsFor = (mode: string) => parseInjectorSettings(`vault_k8s_annotations: ${mode}\n`, 'test');
const VAULT_K8S = {
  'vault.hashicorp.com/agent-inject': 'true',
  'vault.hashicorp.com/role': 'web',
  'vault.hashicorp.com/agent-inject-secret-DB': 'database/creds/web',
  'vault.hashicorp.com/agent-inject-file-DB': 'db.json',
  'vault.hashicorp.com/agent-inject-perms-DB': '0440',
  'vault.hashicorp.com/agent-inject-secret-config': 'secret/data/web/config',
  'vault.hashicorp.com/agent-limits-mem': '256Mi',
  'vault.hashicorp.com/agent-requests-cpu': '25m',
  'vault.hashicorp.com/namespace': 'team-a',
  'vault.hashicorp.com/auth-path': 'auth/k8s-east',
  'vault.hashicorp.com/agent-pre-populate-only': 'true',
  'vault.hashicorp.com/ca-cert': '/vault/tls/ca.crt',
  'vault.hashicorp.com/tls-secret': 'vault-tls',
  'vault.hashicorp.com/log-level': 'debug',
};

describe('inject: vault.hashicorp.com annotations (vault-k8s), when the injector opts in', () => {
  it('is off by default: a vault-k8s pod is left to vault-k8s, untouched', () => {
    assert.deepEqual(mutatePod(appPod({ ...VAULT_K8S }), settingsFor('"off"')), { action: 'skip', reason: 'no vaultlet.io/inject: "true" annotation', warnings: [] });
  });

  it('translates the one-to-one annotations, marks the pod for vault-k8s, and warns about what it ignores', () => {
    const pod = appPod({ ...VAULT_K8S });
    const mutation = mutatePod(pod, settingsFor('alongside'));
    assert.equal(mutation.action, 'patch');
    const patched: IPod = jsonpatch.applyPatch(structuredClone(pod), mutation.action === 'patch' ? mutation.patch : [], true, false).newDocument;
    assert.equal(patched.metadata!.annotations!['vault.hashicorp.com/agent-inject-status'], 'injected', 'vault-k8s will skip it');
    const init = patched.spec!.initContainers!;
    assert.deepEqual(init.map((container) => container.name), ['vaultlet-init'], 'pre-populate-only is mode once');
    assert.deepEqual(init[0]!.resources, { requests: { cpu: '25m', memory: '64Mi' }, limits: { memory: '256Mi' } });
    const config = parseConfig(init[0]!.env![0]!.value!, 'generated', {});
    assert.equal(config.vault.namespace, 'team-a');
    assert.deepEqual(config.auth.method === 'kubernetes' && [config.auth.role, config.auth.mount], ['web', 'k8s-east']);
    assert.deepEqual(config.files.map((file) => [file.file, file.mode.toString(8)]).sort(), [['config', '440'], ['db.json', '440']]);
    assert.equal(config.vault.caCert, '/etc/vaultlet/ca/ca.crt');
    assert.deepEqual(patched.spec!.volumes!.find((volume) => volume.name === 'vaultlet-ca')!.secret, { secretName: 'vault-tls', items: [{ key: 'ca.crt', path: 'ca.crt' }] });
    assert.match(mutation.warnings.join('\n'), /vault\.hashicorp\.com\/log-level: ignored/);
    assert.match(mutation.warnings.join('\n'), /agent-inject-secret-config|Go's map syntax|injected this pod from its vault\.hashicorp\.com annotations/);
  });

  it('alongside: a pod with a Go template is left to vault-k8s, with a warning naming the annotation', () => {
    const mutation = mutatePod(appPod({ ...VAULT_K8S, 'vault.hashicorp.com/agent-inject-template-DB': '{{ with secret "database/creds/web" }}{{ .Data.password }}{{ end }}', 'vault.hashicorp.com/agent-inject-token': 'true' }), settingsFor('alongside'));
    assert.equal(mutation.action, 'skip');
    const warning = mutation.warnings.join('\n');
    assert.match(warning, /vaultlet left this pod to vault-k8s: vault\.hashicorp\.com\/agent-inject-template-DB: a Go \(consul-template\) template/);
    assert.match(warning, /vault\.hashicorp\.com\/agent-inject-token: vaultlet never gives its Vault token to the app/);
  });

  it('instead: the same pod is refused, and problems name the annotation the author wrote', () => {
    assert.throws(() => mutatePod(appPod({ ...VAULT_K8S, 'vault.hashicorp.com/agent-inject-command-DB': 'kill -HUP 1' }), settingsFor('instead')), (error: ConfigError) => {
      assert.match(error.issues.join('\n'), /vault\.hashicorp\.com\/agent-inject-command-DB: commands would run in vaultlet's image/);
      return true;
    });
    assert.throws(() => mutatePod(appPod({ ...VAULT_K8S, 'vault.hashicorp.com/agent-inject-perms-DB': '0666' }), settingsFor('instead')), (error: ConfigError) => {
      assert.match(error.issues.join('\n'), /vault\.hashicorp\.com\/agent-inject-perms-DB: .*world-writable/);
      return true;
    });
  });

  it('never injects twice: a pod vault-k8s already injected, or one with vaultlet.io annotations, is not translated', () => {
    const done = mutatePod(appPod({ ...VAULT_K8S, 'vault.hashicorp.com/agent-inject-status': 'injected' }), settingsFor('alongside'));
    assert.deepEqual([done.action, done.action === 'skip' && done.reason], ['skip', 'already injected by vault-k8s']);
    const own = mutatePod(appPod({ ...VAULT_K8S, 'vaultlet.io/inject': 'false' }), settingsFor('alongside'));
    assert.equal(own.action, 'skip');
    assert.equal(mutatePod(appPod({ ...VAULT_K8S, 'vault.hashicorp.com/agent-inject': 'false' }), settingsFor('instead')).action, 'skip');
  });

  it('docs/migrating.md names every annotation the injector translates or ignores, with its vaultlet equivalent', async () => {
    const doc = await readFile(repoPath('docs', 'migrating.md'), 'utf8');
    for (const [from, to] of Object.entries(SAME)) {
      const row = doc.split('\n').find((line) => line.startsWith('|') && line.includes(`\`${from}\``));
      assert.ok(row, `${from} has a row`);
      assert.ok(row.includes(`vaultlet.io/${to}`) || row.includes(`\`${to}\``) || row.includes(`-${to.split('-').at(-1)}\``), `${from} → ${to}: ${row}`);
    }
    for (const name of Object.keys(IGNORED)) assert.ok(doc.includes(`\`${name}\``), `${name} is documented`);
  });
});
