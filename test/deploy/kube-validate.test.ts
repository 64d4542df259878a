import assert from 'node:assert/strict';
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
