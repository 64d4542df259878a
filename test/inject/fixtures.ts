import { execFile } from 'node:child_process';
import { request } from 'node:https';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { IPod } from 'kubernetes-models/v1/Pod';

const run = promisify(execFile);

export interface TestCert {
  dir: string;
  cert: string;
  key: string;
  /** PEM of the self-signed certificate, which is also the client's CA. */
  ca: string;
  cleanup(): Promise<void>;
}

/** A self-signed certificate for 127.0.0.1, made by openssl as an operator would. */
export async function selfSignedCert(): Promise<TestCert> {
  const dir = await mkdtemp(join(tmpdir(), 'vaultlet-inject-'));
  const cert = join(dir, 'tls.crt');
  const key = join(dir, 'tls.key');
  await run('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=vaultlet-injector',
    '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', key, '-out', cert]);
  return { dir, cert, key, ca: await readFile(cert, 'utf8'), cleanup: () => rm(dir, { recursive: true, force: true }) };
}

export interface HttpsAnswer {
  status: number;
  body: unknown;
}

/** POSTs raw bytes over HTTPS, trusting only `ca`. */
export function post(url: string, path: string, body: string, ca: string, method = 'POST'): Promise<HttpsAnswer> {
  return new Promise((resolve, reject) => {
    const req = request(new URL(path, url), { method, ca, headers: { 'content-type': 'application/json' } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let parsed: unknown = text;
        try {
          parsed = JSON.parse(text);
        } catch {
          // left as text
        }
        resolve({ status: res.statusCode ?? 0, body: parsed });
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

let uidCounter = 0;

/** An AdmissionReview v1 as the API server sends it for a pod CREATE. */
export function review(pod: IPod, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  uidCounter += 1;
  return {
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    request: {
      uid: `705ab4f5-6393-11e8-b7cc-42010a80000${uidCounter}`,
      kind: { group: '', version: 'v1', kind: 'Pod' },
      resource: { group: '', version: 'v1', resource: 'pods' },
      requestKind: { group: '', version: 'v1', kind: 'Pod' },
      requestResource: { group: '', version: 'v1', resource: 'pods' },
      namespace: 'demo',
      operation: 'CREATE',
      userInfo: { username: 'system:serviceaccount:kube-system:replicaset-controller', groups: ['system:serviceaccounts'] },
      object: pod,
      oldObject: null,
      dryRun: false,
      options: { apiVersion: 'meta.k8s.io/v1', kind: 'CreateOptions' },
      ...overrides,
    },
  };
}

/** A pod like a ReplicaSet would create: generateName, two containers, the app's own volume and mount. */
export function appPod(annotations: Record<string, string> | undefined): IPod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { generateName: 'demo-7d9c-', namespace: 'demo', labels: { app: 'demo' }, ...(annotations && { annotations }) },
    spec: {
      serviceAccountName: 'demo-app',
      securityContext: { runAsNonRoot: true, runAsUser: 1000, runAsGroup: 1000, fsGroup: 1000 },
      containers: [
        { name: 'app', image: 'registry.example/app:1', volumeMounts: [{ name: 'cache', mountPath: '/cache' }] },
        { name: 'log-shipper', image: 'registry.example/shipper:2' },
      ],
      volumes: [{ name: 'cache', emptyDir: {} }],
    },
  };
}

export const BASIC_ANNOTATIONS = {
  'vaultlet.io/inject': 'true',
  'vaultlet.io/role': 'demo',
  'vaultlet.io/secret-db.json': 'database/creds/demo',
  'vaultlet.io/secret-config.env': 'secret/data/demo/config',
  'vaultlet.io/format-config.env': 'env',
} as const;
