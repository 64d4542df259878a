import type { IContainer } from 'kubernetes-models/v1/Container';
import type { IPod } from 'kubernetes-models/v1/Pod';
import { PREFIX } from './file-annotations.js';
import { INIT_NAME, SIDECAR_NAME } from './sidecar.js';

/**
 * Which of the pod's containers get the secrets mount: every regular container, and every init
 * container that runs after the agent (the others would start before the files exist), narrowed
 * to `vaultlet.io/containers` when the pod names them. The same rule serves the first admission
 * and a re-invocation after another webhook added containers.
 */

export interface MountTarget {
  container: IContainer;
  /** JSON Pointer of the container in the pod as it is when the patch applies. */
  path: string;
}

export function isAgent(container: IContainer): boolean {
  return container?.name === SIDECAR_NAME || container?.name === INIT_NAME;
}

/**
 * `agentInitIndex`: where the agent is (or will be) among the init containers; undefined when it
 * is not an init container at all. `shift`: how far the pod's own init containers move (1 when
 * the agent is inserted at index 0 by this patch).
 */
export function mountTargets(pod: IPod, named: readonly string[] | undefined, agentInitIndex: number | undefined, shift: number, problems: string[]): MountTarget[] {
  const targets: MountTarget[] = [];
  const wanted = (container: IContainer) => named === undefined || named.includes(container.name);
  const init = pod.spec?.initContainers ?? [];
  init.forEach((container, index) => {
    if (isAgent(container) || !wanted(container)) return;
    const runsAfterAgent = agentInitIndex !== undefined && index + shift > agentInitIndex;
    if (runsAfterAgent) targets.push({ container, path: `/spec/initContainers/${index + shift}` });
    else if (named !== undefined) {
      problems.push(`${PREFIX}containers: init container "${container.name}" runs before vaultlet, so its files would not exist yet (see ${PREFIX}init-first)`);
    }
  });
  (pod.spec?.containers ?? []).forEach((container, index) => {
    if (!isAgent(container) && wanted(container)) targets.push({ container, path: `/spec/containers/${index}` });
  });
  const known = new Set([...init, ...(pod.spec?.containers ?? [])].map((container) => container.name));
  for (const name of named ?? []) {
    if (!known.has(name)) problems.push(`${PREFIX}containers: the pod has no container named "${name}"`);
  }
  return targets;
}
