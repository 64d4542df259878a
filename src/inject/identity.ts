import type { IContainer } from 'kubernetes-models/v1/Container';
import type { IPod } from 'kubernetes-models/v1/Pod';
import { fileModeOrProblem, octal } from '../config/file-mode.js';
import type { SecretRequest } from './annotations.js';
import { annotationFor, PREFIX } from './file-annotations.js';
import type { PodOverrides } from './pod-overrides.js';
import type { InjectorSettings } from './settings.js';

/**
 * Who the agent runs as, and how the app containers can read what it writes.
 *
 * The agent runs as its own non-root user (settings.run_as, or the run-as annotations) whatever
 * the pod says: a pod running as root would otherwise hand it uid 0, which its runAsNonRoot
 * refuses, and a pod running as the app's user would let the app read the agent's memory.
 * Files are 0440, owned by that user, with a group every container of the pod has: the pod's
 * fsGroup, or else the agent's group, which the injector adds to the pod's supplementalGroups
 * (they apply to every container). So each app container reads its files whatever its own
 * user; a per-file mode that would lock one out is refused, naming the container.
 */

export const DEFAULT_FILE_MODE = 0o440;

/** A container's process as the kubelet starts it; undefined: the image decides. */
export interface ContainerIdentity {
  uid?: number;
  gid?: number;
  groups: number[];
  /** Root with CAP_DAC_OVERRIDE (or DAC_READ_SEARCH) reads any file. */
  readsAnything: boolean;
}

export interface AgentIdentity {
  user: number;
  group: number;
  /** The group of every file written; every container of the pod is a member. */
  filesGroup: number;
  /** True when filesGroup must be added to the pod's supplementalGroups. */
  addGroup: boolean;
}

export function containerIdentity(pod: IPod, container: IContainer): ContainerIdentity {
  const podContext = pod.spec?.securityContext;
  const own = container.securityContext;
  const uid = own?.runAsUser ?? podContext?.runAsUser;
  const gid = own?.runAsGroup ?? podContext?.runAsGroup;
  const groups = [...(podContext?.supplementalGroups ?? []), ...(podContext?.fsGroup === undefined ? [] : [podContext.fsGroup])];
  return { ...(uid !== undefined && { uid }), ...(gid !== undefined && { gid }), groups, readsAnything: uid === 0 && readsAnyFile(container) };
}

/** Containers start with the runtime's default set, which has DAC_OVERRIDE, unless they drop it. */
function readsAnyFile(container: IContainer): boolean {
  const context = container.securityContext;
  if (context?.privileged === true) return true;
  const normal = (cap: string) => cap.toUpperCase().replace(/^CAP_/, '');
  const drop = (context?.capabilities?.drop ?? []).map(normal);
  const add = (context?.capabilities?.add ?? []).map(normal);
  const has = (name: string, byDefault: boolean) => add.includes(name) || add.includes('ALL') || (byDefault && !drop.includes('ALL') && !drop.includes(name));
  return has('DAC_OVERRIDE', true) || has('DAC_READ_SEARCH', false);
}

export function agentIdentity(pod: IPod, readers: readonly IContainer[], runAs: PodOverrides['runAs'], settings: InjectorSettings, problems: string[]): AgentIdentity {
  let user = runAs.user ?? settings.run_as.user;
  let group = runAs.group ?? settings.run_as.group;
  if (runAs.same) {
    const first = readers[0];
    const identity = first ? containerIdentity(pod, first) : undefined;
    if (!first) problems.push(`${PREFIX}run-as-same: no container gets the secrets mount`);
    else if (identity?.uid === undefined) problems.push(`${PREFIX}run-as-same: container "${first.name}" sets no runAsUser (in its or the pod's securityContext), so its user is unknown`);
    else if (identity.uid === 0) problems.push(`${PREFIX}run-as-same: container "${first.name}" runs as root, and vaultlet never does`);
    else {
      user = identity.uid;
      if (runAs.group === undefined && identity.gid !== undefined && identity.gid !== 0) group = identity.gid;
    }
  }
  const fsGroup = pod.spec?.securityContext?.fsGroup;
  const supplemental = pod.spec?.securityContext?.supplementalGroups ?? [];
  const filesGroup = fsGroup ?? group;
  return { user, group, filesGroup, addGroup: fsGroup === undefined && !supplemental.includes(group) };
}

/** The agent's container securityContext: its own identity, restricted-profile hardening. */
export function agentSecurityContext(identity: AgentIdentity): NonNullable<IContainer['securityContext']> {
  return {
    runAsNonRoot: true,
    runAsUser: identity.user,
    runAsGroup: identity.group,
    allowPrivilegeEscalation: false,
    readOnlyRootFilesystem: true,
    capabilities: { drop: ['ALL'] },
    seccompProfile: { type: 'RuntimeDefault' },
  };
}

/**
 * Every (file, container) pair where the container could not read the file, as refusals naming
 * the file-mode annotation. The kernel's order: owner bits for the owner, else group bits for a
 * member of the group (every container is one), else the other bits.
 */
export function unreadableProblems(secrets: readonly SecretRequest[], readers: readonly IContainer[], pod: IPod, agent: AgentIdentity): string[] {
  const problems: string[] = [];
  for (const secret of secrets) {
    const mode = secret.fileMode === undefined ? DEFAULT_FILE_MODE : fileModeOrProblem(secret.fileMode);
    if (typeof mode === 'string') continue; // the agent's parser names it
    const locked = readers.filter((container) => !canRead(mode, agent, containerIdentity(pod, container)));
    if (locked.length === 0) continue;
    const who = locked.map((container) => {
      const uid = containerIdentity(pod, container).uid;
      return uid === undefined ? `"${container.name}" (its user is the image's, unknown here)` : `"${container.name}" (uid ${uid})`;
    });
    problems.push(
      `${annotationFor('file-mode', secret.file)}: ${octal(mode)} leaves ${secret.file} unreadable by container ${who.join(', ')}: ` +
        `files are owned by vaultlet's user ${agent.user} and group ${agent.filesGroup}; give the group read access (e.g. "0440")`,
    );
  }
  return problems;
}

export function canRead(mode: number, agent: AgentIdentity, reader: ContainerIdentity): boolean {
  if (reader.readsAnything) return true;
  const groupBits = Boolean(mode & 0o040); // every container is in filesGroup (fsGroup or added)
  if (reader.uid === undefined) return Boolean(mode & 0o400) && groupBits; // it may or may not be the owner
  return reader.uid === agent.user ? Boolean(mode & 0o400) : groupBits;
}
