import type { Operation } from 'fast-json-patch';
import type { IContainer } from 'kubernetes-models/v1/Container';
import type { IPod } from 'kubernetes-models/v1/Pod';
import { ConfigError } from '../errors.js';
import { agentConfigYaml, tokenAudience } from './agent-config.js';
import { parseAnnotations, PREFIX, STATUS_ANNOTATION, wantsInjection } from './annotations.js';
import { agentIdentity, containerIdentity, unreadableProblems, type AgentIdentity } from './identity.js';
import { isAgent, mountTargets, type MountTarget } from './mount-targets.js';
import { clashProblems, podShapeProblems, portProblems, signalProblems } from './pod-checks.js';
import { resourceProblems, settingsForPod } from './pod-overrides.js';
import type { InjectorSettings } from './settings.js';
import { appMount, containersFor, injectedVolumes, VOLUMES } from './sidecar.js';
import { fromVaultK8s } from './vault-k8s.js';

export type Mutation =
  | { action: 'skip'; reason: string; warnings: string[] }
  | { action: 'patch'; patch: Operation[]; warnings: string[] };

/**
 * Decides what to do with one pod. Throws ConfigError (the caller refuses the pod with its
 * message) when the pod asks for injection but cannot get it as written; never half-injects.
 */
export function mutatePod(pod: IPod, settings: InjectorSettings): Mutation {
  const original = pod.metadata?.annotations ?? {};
  const translated = fromVaultK8s(original, settings.vault_k8s_annotations);
  if (translated.leave) return { action: 'skip', reason: translated.leave, warnings: translated.warnings };
  const annotations = translated.annotations;
  if (!wantsInjection(annotations)) return { action: 'skip', reason: `no ${PREFIX}inject: "true" annotation`, warnings: [] };
  const spec = pod.spec;
  const shapeProblems = podShapeProblems(pod);
  if (!spec || shapeProblems.length) throw new ConfigError('vaultlet injection refused: the pod is not a valid Pod', shapeProblems);
  if (original[STATUS_ANNOTATION] === 'injected' || spec.containers.some(isAgent) || (spec.initContainers ?? []).some(isAgent)) {
    return reinvocation(pod, annotations, settings);
  }
  const request = translated.rename(() => parseAnnotations(annotations, {
    role: settings.auth.default_role, nativeSidecar: settings.native_sidecar, authMethod: settings.auth.default_method,
  }));
  const podSettings = settingsForPod(settings, request.overrides, request.auth.method);
  const initContainers = spec.initContainers ?? [];
  const agentIndex = request.mode === 'sidecar' || request.mode === 'once' ? (request.initFirst ? 0 : initContainers.length) : undefined;
  const problems = [...resourceProblems(podSettings)];
  const targets = mountTargets(pod, request.overrides.containers, agentIndex, request.initFirst && initContainers.length > 0 ? 1 : 0, problems);
  const readers = targets.map((target) => target.container);
  const identity = agentIdentity(pod, readers, request.overrides.runAs, podSettings, problems);
  problems.push(
    ...unreadableProblems(request.secrets, readers, pod, identity),
    ...portProblems(pod, request, podSettings),
    ...signalProblems(request, spec.shareProcessNamespace === true, identity.user, readers.map((container) => containerIdentity(pod, container).uid)),
  );
  if (problems.length) throw translated.renamed(new ConfigError('vaultlet injection refused: the pod cannot get vaultlet as annotated', problems));
  const configYaml = translated.rename(() => agentConfigYaml(request, podSettings, { group: identity.filesGroup }));
  const volumes = injectedVolumes(request, podSettings, tokenAudience(request, podSettings));
  const clashes = clashProblems(pod, volumes.map((volume) => volume.name), podSettings);
  if (clashes.length) throw new ConfigError('vaultlet injection refused: the pod clashes with what vaultlet adds', clashes);

  const patch: Operation[] = [];
  patch.push(
    pod.metadata?.annotations
      ? { op: 'add', path: `/metadata/annotations/${escape(STATUS_ANNOTATION)}`, value: 'injected' }
      : { op: 'add', path: '/metadata/annotations', value: { [STATUS_ANNOTATION]: 'injected' } },
    ...translated.markers.map((key): Operation => ({ op: 'add', path: `/metadata/annotations/${escape(key)}`, value: 'injected' })),
  );
  appendAll(patch, '/spec/volumes', spec.volumes, volumes);
  patch.push(...groupPatch(pod, identity));

  const { init, regular } = containersFor(request, podSettings, configYaml, identity);
  if (init) {
    if (initContainers.length === 0) patch.push({ op: 'add', path: '/spec/initContainers', value: [init] });
    // First: the pod's own init containers (migrations, …) can then read the secrets too.
    else patch.push({ op: 'add', path: `/spec/initContainers/${request.initFirst ? 0 : '-'}`, value: init });
  }
  for (const target of targets) addMount(patch, target, appMount(podSettings));
  if (regular) patch.push({ op: 'add', path: '/spec/containers/-', value: regular });
  const warnings = [...translated.warnings, ...exposureWarnings(pod, request.overrides.runAs.same)];
  return { action: 'patch', patch, warnings };
}

/**
 * Called again (reinvocationPolicy: IfNeeded) after another webhook changed the pod, or sent an
 * already injected pod: only containers that should have the secrets mount and lack it get it.
 * Nothing else is added twice.
 */
function reinvocation(pod: IPod, annotations: Readonly<Record<string, string>>, settings: InjectorSettings): Mutation {
  // A vaultlet container written into the manifest by hand: its author wired the volumes.
  if (!(pod.spec?.volumes ?? []).some((volume) => volume.name === VOLUMES.secrets)) return { action: 'skip', reason: 'already has a vaultlet container', warnings: [] };
  const named = annotations[`${PREFIX}containers`]?.split(',').map((name) => name.trim()).filter((name) => name !== '');
  const init = pod.spec?.initContainers ?? [];
  const agentIndex = init.findIndex(isAgent);
  const ignored: string[] = [];
  const targets = mountTargets(pod, named, agentIndex === -1 ? undefined : agentIndex, 0, ignored);
  const patch: Operation[] = [];
  const mount = appMount(settings);
  for (const target of targets) {
    const mounts = target.container.volumeMounts ?? [];
    if (mounts.some((existing) => existing.name === VOLUMES.secrets || existing.mountPath === mount.mountPath)) continue;
    addMount(patch, target, mount);
  }
  return patch.length ? { action: 'patch', patch, warnings: [] } : { action: 'skip', reason: 'already injected', warnings: [] };
}

/** Without an fsGroup, the agent's group joins every container's groups through the pod's supplementalGroups. */
function groupPatch(pod: IPod, identity: AgentIdentity): Operation[] {
  if (!identity.addGroup) return [];
  const context = pod.spec?.securityContext;
  if (!context) return [{ op: 'add', path: '/spec/securityContext', value: { supplementalGroups: [identity.filesGroup] } }];
  if (!context.supplementalGroups) return [{ op: 'add', path: '/spec/securityContext/supplementalGroups', value: [identity.filesGroup] }];
  return [{ op: 'add', path: '/spec/securityContext/supplementalGroups/-', value: identity.filesGroup }];
}

/** Admitted, but said: the app can reach the agent's memory (and with it its token) in these pods. */
function exposureWarnings(pod: IPod, sameUser: boolean): string[] {
  const warnings: string[] = [];
  if (sameUser && pod.spec?.shareProcessNamespace === true) {
    warnings.push(`${PREFIX}run-as-same with shareProcessNamespace: the app runs as vaultlet's user and sees its process, so it can read the agent's Vault token through /proc`);
  }
  if (pod.spec?.hostNetwork === true) warnings.push('vaultlet: on a hostNetwork pod the agent\'s /metrics and /status answer on the node\'s addresses');
  return warnings;
}

function addMount(patch: Operation[], target: MountTarget, mount: object): void {
  const container: IContainer = target.container;
  if (container.volumeMounts) patch.push({ op: 'add', path: `${target.path}/volumeMounts/-`, value: mount });
  else patch.push({ op: 'add', path: `${target.path}/volumeMounts`, value: [mount] });
}

function appendAll(patch: Operation[], path: string, existing: readonly unknown[] | undefined, values: readonly unknown[]): void {
  if (existing === undefined) patch.push({ op: 'add', path, value: [...values] });
  else for (const value of values) patch.push({ op: 'add', path: `${path}/-`, value });
}

/** RFC 6901: "~" and "/" in a key (as in vaultlet.io/status) are escaped. */
function escape(key: string): string {
  return key.replaceAll('~', '~0').replaceAll('/', '~1');
}
