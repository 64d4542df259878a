import assert from 'node:assert/strict';
import { apiRuleProblems } from './api-rules.js';
import { kubeProblems } from './kube-validate.js';

describe('Kubernetes schema validation (the checker itself)', () => {
  it('catches misspelt fields, wrong types and kinds it has no schema for; passes a native sidecar', async () => {
    const problems = await kubeProblems([
      { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'typo' }, spec: { containers: [{ name: 'a', image: 'b', restartPolicyy: 'Always' }] } },
      { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'types' }, spec: { selector: {}, template: { spec: { containers: [{ name: 'a', ports: [{ containerPort: 'http' }] }] } } } },
      { apiVersion: 'v1', kind: 'Pdo', metadata: { name: 'kind' } },
      { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'ok' }, spec: { initContainers: [{ name: 's', image: 'i', restartPolicy: 'Always' }], containers: [{ name: 'a', image: 'b' }] } },
    ]);
    assert.ok(problems.some((problem) => problem.startsWith('Pod/typo:') && problem.includes('restartPolicyy')), problems.join('\n'));
    assert.ok(problems.some((problem) => problem.startsWith('Deployment/types:') && problem.includes('containerPort must be integer')), problems.join('\n'));
    assert.ok(problems.some((problem) => problem.startsWith('Pdo/kind: no schema')), problems.join('\n'));
    assert.ok(!problems.some((problem) => problem.startsWith('Pod/ok')), problems.join('\n'));
  });
});

describe('API server rules beyond the schema (the checker itself)', () => {
  it('catches a mount of a missing volume, restartPolicy on a regular container, a webhook timeout over 30 s, an unknown medium', () => {
    const problems = apiRuleProblems([
      {
        apiVersion: 'v1', kind: 'Pod', metadata: { name: 'bad' },
        spec: {
          initContainers: [{ name: 'init', image: 'i', restartPolicy: 'OnFailure' }],
          containers: [{ name: 'app', image: 'a', restartPolicy: 'Always', volumeMounts: [{ name: 'nowhere', mountPath: '/x' }], securityContext: { runAsNonRoot: true, runAsUser: 0 } }],
          volumes: [{ name: 'scratch', emptyDir: { medium: 'HugePages-2Mi-typo' } }],
        },
      },
      { apiVersion: 'admissionregistration.k8s.io/v1', kind: 'MutatingWebhookConfiguration', metadata: { name: 'hook' }, webhooks: [{ name: 'a.b', timeoutSeconds: 31, clientConfig: { caBundle: '' }, matchConditions: [{ name: 'c', expression: 'object.metadata.annotations["x"] == "y"' }] }] },
      { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'ok' }, spec: { initContainers: [{ name: 's', image: 'i', restartPolicy: 'Always' }], containers: [{ name: 'a', image: 'b', volumeMounts: [{ name: 'v', mountPath: '/v' }] }], volumes: [{ name: 'v', emptyDir: { medium: 'Memory' } }] } },
    ]);
    const expected = [
      /^Pod\/bad: spec\.initContainers\[init\]\.restartPolicy: only an init container may set it, and only to Always/,
      /^Pod\/bad: spec\.containers\[app\]\.restartPolicy: /,
      /^Pod\/bad: spec\.containers\[app\]\.volumeMounts: volume "nowhere" not found/,
      /^Pod\/bad: volume "scratch": emptyDir\.medium must be "" or "Memory"/,
      /^Pod\/bad: spec\.containers\[app\]: runAsNonRoot with runAsUser 0/,
      /^MutatingWebhookConfiguration\/hook: webhooks\[a\.b\]\.timeoutSeconds: must be between 1 and 30 \(got 31\)/,
      /^MutatingWebhookConfiguration\/hook: webhooks\[a\.b\]\.clientConfig\.caBundle: an empty caBundle/,
      /^MutatingWebhookConfiguration\/hook: webhooks\[a\.b\]\.matchConditions\[c\]: evaluation error on a pod without annotations/,
    ];
    for (const pattern of expected) assert.ok(problems.some((problem) => pattern.test(problem)), `${pattern}\n${problems.join('\n')}`);
    assert.equal(problems.length, expected.length, problems.join('\n'));
  });
});
