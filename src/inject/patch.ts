import type { Operation } from 'fast-json-patch';
import type { IContainer } from 'kubernetes-models/v1/Container';
import type { IPod } from 'kubernetes-models/v1/Pod';
import { ConfigError } from '../errors.js';
import { agentConfigYaml, tokenAudience } from './agent-config.js';
import { parseAnnotations, PREFIX, STATUS_ANNOTATION, wantsInjection, type InjectionRequest } from './annotations.js';
import { annotationFor } from './file-annotations.js';
import type { InjectorSettings } from './settings.js';
import { appMount, containersFor, INIT_NAME, injectedVolumes, SIDECAR_NAME, VOLUMES } from './sidecar.js';

export type Mutation =
  | { action: 'skip'; reason: string }
  | { action: 'patch'; patch: Operation[] };

/**
 * Decides what to do with one pod. Throws ConfigError (the caller refuses the pod with its
 * message) when the pod asks for injection but cannot get it as written; never half-injects.
 */
export function mutatePod(pod: IPod, settings: InjectorSettings): Mutation {
  const annotations = pod.metadata?.annotations ?? {};
  if (!wantsInjection(annotations)) return { action: 'skip', reason: `no ${PREFIX}inject: "true" annotation` };
  const spec = pod.spec;
  const shapeProblems = podShapeProblems(pod);
  if (!spec || shapeProblems.length) throw new ConfigError('vaultlet injection refused: the pod is not a valid Pod', shapeProblems);
  if (annotations[STATUS_ANNOTATION] === 'injected' || hasAgent(spec.containers) || hasAgent(spec.initContainers ?? [])) {
    // A re-sent or re-invoked request (reinvocationPolicy, another webhook's change) must not add a second agent.
    return { action: 'skip', reason: 'already injected' };
  }
  const request = parseAnnotations(annotations, {
    role: settings.auth.default_role, nativeSidecar: settings.native_sidecar, authMethod: settings.auth.default_method,
  });
  const fsGroup = spec.securityContext?.fsGroup;
  const configYaml = agentConfigYaml(request, settings, fsGroup === undefined ? {} : { fsGroup });
  refuseHiddenProcesses(request, spec.shareProcessNamespace === true);
  const volumes = injectedVolumes(settings, tokenAudience(request, settings));
  refuseClashes(pod, volumes.map((volume) => volume.name), settings.secrets_path);

  const patch: Operation[] = [];
  patch.push(
    pod.metadata?.annotations
      ? { op: 'add', path: `/metadata/annotations/${escape(STATUS_ANNOTATION)}`, value: 'injected' }
      : { op: 'add', path: '/metadata/annotations', value: { [STATUS_ANNOTATION]: 'injected' } },
  );
  appendAll(patch, '/spec/volumes', spec.volumes, volumes);

  const { init, regular } = containersFor(request, settings, configYaml);
  const mount = appMount(settings);
  const initContainers = spec.initContainers ?? [];
  if (init) {
    if (initContainers.length === 0) patch.push({ op: 'add', path: '/spec/initContainers', value: [init] });
    // First: the pod's own init containers (migrations, …) can then read the secrets too.
    else patch.push({ op: 'add', path: `/spec/initContainers/${request.initFirst ? 0 : '-'}`, value: init });
  }
  if (init && request.initFirst) {
    // Indexes after the insert at 0: the pod's own init containers moved up by one.
    initContainers.forEach((container, index) => addMount(patch, `/spec/initContainers/${index + 1}`, container, mount));
  }
  spec.containers.forEach((container, index) => addMount(patch, `/spec/containers/${index}`, container, mount));
  if (regular) patch.push({ op: 'add', path: '/spec/containers/-', value: regular });
  return { action: 'patch', patch };
}

/** The API server decodes pods before calling webhooks, so only a hand-made review gets here with these. */
function podShapeProblems(pod: IPod): string[] {
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

function hasAgent(containers: readonly IContainer[]): boolean {
  return containers.some((container) => container?.name === SIDECAR_NAME || container?.name === INIT_NAME);
}

function refuseClashes(pod: IPod, volumeNames: string[], secretsPath: string): void {
  const problems: string[] = [];
  for (const volume of pod.spec?.volumes ?? []) {
    if (volumeNames.includes(volume.name)) problems.push(`spec.volumes: a volume named "${volume.name}" already exists (vaultlet adds its own)`);
  }
  const all = [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])];
  for (const container of all) {
    if ((container.volumeMounts ?? []).some((mount) => mount.mountPath === secretsPath)) {
      problems.push(`container "${container.name}": already mounts something at ${secretsPath}, where vaultlet mounts ${VOLUMES.secrets}`);
    }
  }
  if (problems.length) throw new ConfigError('vaultlet injection refused: the pod clashes with what vaultlet adds', problems);
}

/**
 * A signal action finds the app's process by name in /proc, which shows only the agent's own
 * container unless the pod shares one process namespace. Refused rather than switched on: sharing
 * exposes every container's processes to the others, a choice for the pod's author.
 */
function refuseHiddenProcesses(request: InjectionRequest, shared: boolean): void {
  if (shared) return;
  const problems = request.secrets
    .filter((secret) => secret.onChange?.some((action) => 'signal' in action))
    .map((secret) => `${annotationFor('on-change', secret.file)}: a signal action needs spec.shareProcessNamespace: true (the agent must see the app's processes)`);
  if (problems.length) throw new ConfigError('vaultlet injection refused: the pod cannot run its on-change actions', problems);
}

function addMount(patch: Operation[], containerPath: string, container: IContainer, mount: object): void {
  if (container.volumeMounts) patch.push({ op: 'add', path: `${containerPath}/volumeMounts/-`, value: mount });
  else patch.push({ op: 'add', path: `${containerPath}/volumeMounts`, value: [mount] });
}

function appendAll(patch: Operation[], path: string, existing: readonly unknown[] | undefined, values: readonly unknown[]): void {
  if (existing === undefined) patch.push({ op: 'add', path, value: [...values] });
  else for (const value of values) patch.push({ op: 'add', path: `${path}/-`, value });
}

/** RFC 6901: "~" and "/" in a key (as in vaultlet.io/status) are escaped. */
function escape(key: string): string {
  return key.replaceAll('~', '~0').replaceAll('/', '~1');
}
