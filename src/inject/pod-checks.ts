import type { IPod } from 'kubernetes-models/v1/Pod';
import type { InjectionRequest } from './annotations.js';
import { annotationFor, PREFIX } from './file-annotations.js';
import type { InjectorSettings } from './settings.js';
import { PORT_NAME, VOLUMES } from './sidecar.js';

/** What in a pod stops vaultlet from being added as annotated; each problem says what to change. */

/** The API server decodes pods before calling webhooks, so only a hand-made review gets here with these. */
export function podShapeProblems(pod: IPod): string[] {
  if (typeof pod.spec !== 'object' || pod.spec === null) return ['spec: required'];
  if (!Array.isArray(pod.spec.containers) || pod.spec.containers.length === 0) return ['spec.containers: must be a non-empty list'];
  const problems: string[] = [];
  for (const key of ['containers', 'initContainers', 'volumes'] as const) {
    const list: unknown = pod.spec[key];
    if (list === undefined) continue;
    if (!Array.isArray(list)) problems.push(`spec.${key}: must be a list`);
    else list.forEach((item: unknown, index) => {
      const named = typeof item === 'object' && item !== null && typeof (item as { name?: unknown }).name === 'string';
      const mounts = named ? (item as { volumeMounts?: unknown }).volumeMounts : undefined;
      if (!named) problems.push(`spec.${key}[${index}]: must be an object with a name`);
      else if (mounts !== undefined && !Array.isArray(mounts)) problems.push(`spec.${key}[${index}].volumeMounts: must be a list`);
    });
  }
  return problems;
}

export function clashProblems(pod: IPod, volumeNames: readonly string[], settings: InjectorSettings): string[] {
  const problems: string[] = [];
  for (const volume of pod.spec?.volumes ?? []) {
    if (volumeNames.includes(volume.name)) problems.push(`spec.volumes: a volume named "${volume.name}" already exists (vaultlet adds its own)`);
  }
  for (const container of [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])]) {
    if ((container.volumeMounts ?? []).some((mount) => mount.mountPath === settings.secrets_path)) {
      problems.push(`container "${container.name}": already mounts something at ${settings.secrets_path}, where vaultlet mounts ${VOLUMES.secrets}`);
    }
  }
  return problems;
}

/**
 * The agent listens on the pod's network: a port an app container declares, or the node's own
 * ports for a hostNetwork pod, would make one of them fail to bind. Ports an app opens without
 * declaring them cannot be seen here.
 */
export function portProblems(pod: IPod, request: InjectionRequest, settings: InjectorSettings): string[] {
  if (request.mode === 'once') return []; // nothing listens
  const problems: string[] = [];
  const port = settings.agent_port;
  const fix = `choose another with ${PREFIX}agent-port`;
  for (const container of [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])]) {
    for (const declared of container.ports ?? []) {
      if (declared.containerPort === port && (declared.protocol ?? 'TCP') === 'TCP') problems.push(`container "${container.name}": already uses port ${port}, the vaultlet agent's; ${fix}`);
      if (declared.name === PORT_NAME) problems.push(`container "${container.name}": already has a port named ${PORT_NAME}, which vaultlet adds`);
    }
  }
  if (pod.spec?.hostNetwork === true && request.overrides.agentPort === undefined) {
    problems.push(`spec.hostNetwork: the agent's port (${port}) would open on the node, shared by every hostNetwork pod there; pick a free node port with ${PREFIX}agent-port`);
  }
  return problems;
}

/**
 * A signal action finds the app's process by name in /proc, which shows only the agent's own
 * container unless the pod shares one process namespace; and an unprivileged process may only
 * signal its own user's. Refused rather than switched on: both widen what the app can see of
 * the agent, a choice for the pod's author.
 */
export function signalProblems(request: InjectionRequest, shared: boolean, agentUser: number, appUsers: ReadonlyArray<number | undefined>): string[] {
  const signalled = request.secrets.filter((secret) => secret.onChange?.some((action) => 'signal' in action));
  const problems: string[] = [];
  for (const secret of signalled) {
    const at = annotationFor('on-change', secret.file);
    if (!shared) problems.push(`${at}: a signal action needs spec.shareProcessNamespace: true (the agent must see the app's processes)`);
    if (!appUsers.includes(agentUser)) problems.push(`${at}: a signal action needs vaultlet to run as the app's user (it has no capabilities); add ${PREFIX}run-as-same: "true"`);
  }
  return problems;
}
