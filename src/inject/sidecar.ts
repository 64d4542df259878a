import type { IContainer } from 'kubernetes-models/v1/Container';
import type { IVolume } from 'kubernetes-models/v1/Volume';
import type { IVolumeMount } from 'kubernetes-models/v1/VolumeMount';
import type { InjectionRequest } from './annotations.js';
import { CA_DIRECTORY, hasCa, TOKEN_DIRECTORY } from './agent-config.js';
import { agentSecurityContext, type AgentIdentity } from './identity.js';
import type { InjectorSettings } from './settings.js';

/** The containers and volumes the injector adds; names start with `vaultlet` so clashes are easy to see. */

export const SIDECAR_NAME = 'vaultlet';
export const INIT_NAME = 'vaultlet-init';
export const CONFIG_ENV = 'VAULTLET_CONFIG';
export const VOLUMES = { secrets: 'vaultlet-secrets', state: 'vaultlet-state', token: 'vaultlet-token', ca: 'vaultlet-ca' } as const;
export const PORT_NAME = 'vaultlet-http';

/** `audience`: of the projected token, which Vault's role must accept (see tokenAudience). */
export function injectedVolumes(request: InjectionRequest, settings: InjectorSettings, audience: string): IVolume[] {
  const volumes: IVolume[] = [
    // Memory-backed: secrets never touch the node's disk; the size limit caps what a bug could write.
    { name: VOLUMES.secrets, emptyDir: { medium: 'Memory', sizeLimit: settings.volume_size_limit } },
    // The agent's own: its Vault token and leases (with their data, hence the same limit). Only
    // the agent containers mount it, so no app container can read the token.
    ...(request.mode === 'once' ? [] : [{ name: VOLUMES.state, emptyDir: { medium: 'Memory', sizeLimit: settings.volume_size_limit } }]),
    {
      // A token for Vault alone (its own audience, short-lived, rotated by the kubelet), not the default API token.
      name: VOLUMES.token,
      projected: {
        sources: [{ serviceAccountToken: { path: 'token', audience, expirationSeconds: settings.auth.token_expiration_seconds } }],
      },
    },
  ];
  const items = [{ key: 'ca.crt', path: 'ca.crt' }];
  if (settings.vault.ca_config_map !== undefined) volumes.push({ name: VOLUMES.ca, configMap: { name: settings.vault.ca_config_map, items } });
  else if (settings.vault.ca_secret !== undefined) volumes.push({ name: VOLUMES.ca, secret: { secretName: settings.vault.ca_secret, items } });
  return volumes;
}

/** What app containers (and, when the agent goes first, the pod's init containers) get. */
export function appMount(settings: InjectorSettings): IVolumeMount {
  return { name: VOLUMES.secrets, mountPath: settings.secrets_path, readOnly: true };
}

/** `native`: an init container with restartPolicy Always, started and ready before the app. */
export function sidecarContainer(settings: InjectorSettings, configYaml: string, native: boolean, identity: AgentIdentity): IContainer {
  const readyz = { httpGet: { path: '/readyz', port: PORT_NAME } };
  return {
    ...agentBase(settings, configYaml, SIDECAR_NAME, ['run', '--config-env', CONFIG_ENV], identity, true),
    ...(native && { restartPolicy: 'Always' }),
    ports: [{ name: PORT_NAME, containerPort: settings.agent_port, protocol: 'TCP' }],
    // The kubelet starts the next container only after this passes: the app never starts without its files.
    ...(native && { startupProbe: { ...readyz, periodSeconds: 1, failureThreshold: 120 } }),
    readinessProbe: { ...readyz, periodSeconds: 10 },
    livenessProbe: { httpGet: { path: '/healthz', port: PORT_NAME }, periodSeconds: 20 },
  };
}

/** `vaultlet once`: writes every secret, then exits; the pod's next container starts after it. */
export function onceContainer(settings: InjectorSettings, configYaml: string, identity: AgentIdentity, handsOver: boolean): IContainer {
  return agentBase(settings, configYaml, INIT_NAME, ['once', '--config-env', CONFIG_ENV, '--timeout', settings.once_timeout], identity, handsOver);
}

export function containersFor(request: InjectionRequest, settings: InjectorSettings, configYaml: string, identity: AgentIdentity): { init: IContainer | undefined; regular: IContainer | undefined } {
  if (request.mode === 'once') return { init: onceContainer(settings, configYaml, identity, false), regular: undefined };
  if (request.nativeSidecar) return { init: sidecarContainer(settings, configYaml, true, identity), regular: undefined };
  // Without native sidecars (Kubernetes < 1.29): an init run writes the files before the app starts,
  // and a plain sidecar keeps them renewed, adopting the init run's token and leases from the state volume.
  // A Job's pod then never completes on its own.
  return { init: onceContainer(settings, configYaml, identity, true), regular: sidecarContainer(settings, configYaml, false, identity) };
}

function agentBase(settings: InjectorSettings, configYaml: string, name: string, args: string[], identity: AgentIdentity, keepsState: boolean): IContainer {
  const mounts: IVolumeMount[] = [
    { name: VOLUMES.secrets, mountPath: settings.secrets_path },
    ...(keepsState ? [{ name: VOLUMES.state, mountPath: settings.state_path }] : []),
    { name: VOLUMES.token, mountPath: TOKEN_DIRECTORY, readOnly: true },
  ];
  if (hasCa(settings)) mounts.push({ name: VOLUMES.ca, mountPath: CA_DIRECTORY, readOnly: true });
  const { requests, limits } = settings.resources;
  return {
    name,
    image: settings.image,
    ...(settings.image_pull_policy !== undefined && { imagePullPolicy: settings.image_pull_policy }),
    args,
    env: [{ name: CONFIG_ENV, value: configYaml }],
    resources: {
      requests: { cpu: requests.cpu, memory: requests.memory },
      limits: { memory: limits.memory, ...(limits.cpu !== undefined && { cpu: limits.cpu }) },
    },
    securityContext: agentSecurityContext(identity),
    volumeMounts: mounts,
  };
}
