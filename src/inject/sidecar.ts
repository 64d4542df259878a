import type { IContainer } from 'kubernetes-models/v1/Container';
import type { IVolume } from 'kubernetes-models/v1/Volume';
import type { IVolumeMount } from 'kubernetes-models/v1/VolumeMount';
import type { InjectionRequest } from './annotations.js';
import { CA_DIRECTORY, TOKEN_DIRECTORY } from './agent-config.js';
import type { InjectorSettings } from './settings.js';

/** The containers and volumes the injector adds; names start with `vaultlet` so clashes are easy to see. */

export const SIDECAR_NAME = 'vaultlet';
export const INIT_NAME = 'vaultlet-init';
export const CONFIG_ENV = 'VAULTLET_CONFIG';
export const VOLUMES = { secrets: 'vaultlet-secrets', token: 'vaultlet-token', ca: 'vaultlet-ca' } as const;
const PORT_NAME = 'vaultlet-http';

/** `audience`: of the projected token, which Vault's role must accept (see tokenAudience). */
export function injectedVolumes(settings: InjectorSettings, audience: string): IVolume[] {
  const volumes: IVolume[] = [
    // Memory-backed: secrets never touch the node's disk; the size limit caps what a bug could write.
    { name: VOLUMES.secrets, emptyDir: { medium: 'Memory', sizeLimit: settings.volume_size_limit } },
    {
      // A token for Vault alone (its own audience, short-lived, rotated by the kubelet), not the default API token.
      name: VOLUMES.token,
      projected: {
        sources: [{ serviceAccountToken: { path: 'token', audience, expirationSeconds: settings.auth.token_expiration_seconds } }],
      },
    },
  ];
  if (settings.vault.ca_config_map !== undefined) {
    volumes.push({ name: VOLUMES.ca, configMap: { name: settings.vault.ca_config_map, items: [{ key: 'ca.crt', path: 'ca.crt' }] } });
  }
  return volumes;
}

/** What app containers (and, when the agent goes first, the pod's init containers) get. */
export function appMount(settings: InjectorSettings): IVolumeMount {
  return { name: VOLUMES.secrets, mountPath: settings.secrets_path, readOnly: true };
}

/** `native`: an init container with restartPolicy Always, started and ready before the app. */
export function sidecarContainer(settings: InjectorSettings, configYaml: string, native: boolean): IContainer {
  const readyz = { httpGet: { path: '/readyz', port: PORT_NAME } };
  return {
    ...agentBase(settings, configYaml, SIDECAR_NAME, ['run', '--config-env', CONFIG_ENV]),
    ...(native && { restartPolicy: 'Always' }),
    ports: [{ name: PORT_NAME, containerPort: settings.agent_port, protocol: 'TCP' }],
    // The kubelet starts the next container only after this passes: the app never starts without its files.
    ...(native && { startupProbe: { ...readyz, periodSeconds: 1, failureThreshold: 120 } }),
    readinessProbe: { ...readyz, periodSeconds: 10 },
    livenessProbe: { httpGet: { path: '/healthz', port: PORT_NAME }, periodSeconds: 20 },
  };
}

/** `vaultlet once`: writes every secret, then exits; the pod's next container starts after it. */
export function onceContainer(settings: InjectorSettings, configYaml: string): IContainer {
  return agentBase(settings, configYaml, INIT_NAME, ['once', '--config-env', CONFIG_ENV, '--timeout', settings.once_timeout]);
}

export function containersFor(request: InjectionRequest, settings: InjectorSettings, configYaml: string): { init: IContainer | undefined; regular: IContainer | undefined } {
  if (request.mode === 'once') return { init: onceContainer(settings, configYaml), regular: undefined };
  if (request.nativeSidecar) return { init: sidecarContainer(settings, configYaml, true), regular: undefined };
  // Without native sidecars (Kubernetes < 1.29): an init run writes the files before the app starts,
  // and a plain sidecar keeps them renewed. A Job's pod then never completes on its own.
  return { init: onceContainer(settings, configYaml), regular: sidecarContainer(settings, configYaml, false) };
}

function agentBase(settings: InjectorSettings, configYaml: string, name: string, args: string[]): IContainer {
  const mounts: IVolumeMount[] = [
    { name: VOLUMES.secrets, mountPath: settings.secrets_path },
    { name: VOLUMES.token, mountPath: TOKEN_DIRECTORY, readOnly: true },
  ];
  if (settings.vault.ca_config_map !== undefined) mounts.push({ name: VOLUMES.ca, mountPath: CA_DIRECTORY, readOnly: true });
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
    securityContext: {
      runAsNonRoot: true,
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ['ALL'] },
      seccompProfile: { type: 'RuntimeDefault' },
    },
    volumeMounts: mounts,
  };
}
