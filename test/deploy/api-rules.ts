import { run as celRun, type CelInput } from '@bufbuild/cel';
import type { KubeObject } from './kube-validate.js';

/**
 * What the API server (and, for pods, the kubelet) rejects although the OpenAPI schema allows
 * it: the rules of Kubernetes' own validation that our manifests and patched pods could break.
 * Each problem is `Kind/name: where: what`.
 */

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const MEDIUMS = ['', 'Memory'];
const PORT_NAME = /^(?=.*[a-z])[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

export function apiRuleProblems(objects: readonly KubeObject[]): string[] {
  return objects.flatMap((object) => {
    const where = `${object.kind}/${object.metadata?.name ?? '(unnamed)'}`;
    const spec = podSpecOf(object);
    const problems = [
      ...(spec ? podSpecProblems(spec) : []),
      ...(object.kind === 'MutatingWebhookConfiguration' || object.kind === 'ValidatingWebhookConfiguration' ? webhookProblems(object as Json) : []),
    ];
    return problems.map((problem) => `${where}: ${problem}`);
  });
}

function podSpecOf(object: KubeObject): Json | undefined {
  const o = object as Json;
  if (object.kind === 'Pod') return o.spec;
  if (['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'Job'].includes(object.kind)) return o.spec?.template?.spec;
  if (object.kind === 'CronJob') return o.spec?.jobTemplate?.spec?.template?.spec;
  return undefined;
}

export function podSpecProblems(spec: Json): string[] {
  const problems: string[] = [];
  const volumes: Json[] = spec.volumes ?? [];
  const volumeNames = new Set<string>();
  for (const volume of volumes) {
    if (volumeNames.has(volume.name)) problems.push(`spec.volumes: duplicate name "${volume.name}"`);
    volumeNames.add(volume.name);
    if (volume.emptyDir && !MEDIUMS.includes(volume.emptyDir.medium ?? '')) problems.push(`volume "${volume.name}": emptyDir.medium must be "" or "Memory" (got "${volume.emptyDir.medium}")`);
  }
  const init: Json[] = spec.initContainers ?? [];
  const regular: Json[] = spec.containers ?? [];
  const names = new Set<string>();
  const portNames = new Set<string>();
  for (const [list, containers] of [['initContainers', init], ['containers', regular]] as const) {
    for (const container of containers) {
      const at = `spec.${list}[${container.name}]`;
      if (names.has(container.name)) problems.push(`${at}: duplicate container name`);
      names.add(container.name);
      if (container.restartPolicy !== undefined && (list === 'containers' || container.restartPolicy !== 'Always')) {
        problems.push(`${at}.restartPolicy: only an init container may set it, and only to Always (got ${container.restartPolicy})`);
      }
      const sidecar = list === 'initContainers' && container.restartPolicy === 'Always';
      for (const probe of ['startupProbe', 'readinessProbe', 'livenessProbe']) {
        if (container[probe] && list === 'initContainers' && !sidecar) problems.push(`${at}.${probe}: init containers (other than native sidecars) may not have probes`);
        const port = container[probe]?.httpGet?.port;
        if (typeof port === 'string' && !(container.ports ?? []).some((p: Json) => p.name === port)) problems.push(`${at}.${probe}: no port named "${port}" in the container`);
      }
      const paths = new Set<string>();
      for (const mount of container.volumeMounts ?? []) {
        if (!volumeNames.has(mount.name)) problems.push(`${at}.volumeMounts: volume "${mount.name}" not found`);
        if (paths.has(mount.mountPath)) problems.push(`${at}.volumeMounts: mountPath ${mount.mountPath} is used twice`);
        paths.add(mount.mountPath);
      }
      for (const port of container.ports ?? []) {
        if (port.name === undefined) continue;
        if (!PORT_NAME.test(port.name) || port.name.length > 15) problems.push(`${at}.ports: "${port.name}" is not a valid port name (IANA_SVC_NAME)`);
        if (portNames.has(port.name)) problems.push(`${at}.ports: duplicate port name "${port.name}" in the pod`);
        portNames.add(port.name);
      }
      // The kubelet refuses to start it: runAsNonRoot with uid 0.
      const context = { ...(spec.securityContext ?? {}), ...(container.securityContext ?? {}) };
      if (context.runAsNonRoot === true && context.runAsUser === 0) problems.push(`${at}: runAsNonRoot with runAsUser 0 (the kubelet will not start it)`);
    }
  }
  return problems;
}

function webhookProblems(configuration: Json): string[] {
  const problems: string[] = [];
  for (const webhook of configuration.webhooks ?? []) {
    const at = `webhooks[${webhook.name}]`;
    if (webhook.timeoutSeconds !== undefined && (webhook.timeoutSeconds < 1 || webhook.timeoutSeconds > 30)) problems.push(`${at}.timeoutSeconds: must be between 1 and 30 (got ${webhook.timeoutSeconds})`);
    if (webhook.clientConfig?.caBundle === '') problems.push(`${at}.clientConfig.caBundle: an empty caBundle wipes the one installed on every apply`);
    for (const condition of webhook.matchConditions ?? []) {
      const problem = celProblem(condition.expression);
      if (problem) problems.push(`${at}.matchConditions[${condition.name}]: ${problem}`);
    }
  }
  return problems;
}

/** Compiles and runs a matchCondition on a pod without annotations: a CEL error there fails closed. */
function celProblem(expression: string): string | undefined {
  try {
    const result = celRun(expression, { object: toCel({ metadata: { name: 'probe' } }) });
    if (result instanceof Error) return `evaluation error on a pod without annotations: ${result.message}`;
    if (typeof result !== 'boolean') return `must evaluate to a bool (got ${typeof result})`;
  } catch (error) {
    return `does not compile: ${(error as Error).message}`;
  }
  return undefined;
}

/** JSON as CEL sees a Kubernetes object: objects are maps. */
export function toCel(value: unknown): CelInput {
  if (Array.isArray(value)) return value.map(toCel) as CelInput;
  if (typeof value === 'object' && value !== null) return new Map(Object.entries(value).map(([key, item]) => [key, toCel(item)]));
  return value as CelInput;
}

/** Evaluates a webhook's matchConditions for a pod as the API server would: all must be true. */
export function matchConditionsAdmit(webhook: Json, pod: Json): boolean {
  return (webhook.matchConditions ?? []).every((condition: Json) => {
    const result = celRun(condition.expression, { object: toCel(pod) });
    if (typeof result !== 'boolean') throw new Error(`${condition.name}: ${result instanceof Error ? result.message : `not a bool: ${String(result)}`}`);
    return result;
  });
}
