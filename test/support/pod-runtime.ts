import { execFile } from 'node:child_process';
import { chmod, chown, cp, mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { IContainer } from 'kubernetes-models/v1/Container';
import type { IPod } from 'kubernetes-models/v1/Pod';
import { parse, stringify } from 'yaml';
import { AgentProcess } from './agent-process.js';
import { imageRuntime } from './image-runtime.js';
import { repoPath } from './repo-root.js';

const run = promisify(execFile);

/** The user a container without runAsUser gets from its image; the images here say nothing, so root. */
export const IMAGE_DEFAULT_UID = 0;

/**
 * Plays the kubelet for an (injected) pod on this machine, as root: one host directory per
 * volume (emptyDir 0777, or group fsGroup with the setgid bit, as the kubelet makes them), each
 * container's paths mapped onto the volumes it mounts, and its processes run with its user,
 * group, supplementary groups and capabilities (util-linux setpriv). So what a container can
 * read is decided by the kernel, not by a model of it.
 */
export class PodRuntime {
  private constructor(readonly pod: IPod, readonly base: string, private readonly cli: string) {}

  /** `token`: the projected service account token's content. */
  static async create(pod: IPod, token: string): Promise<PodRuntime> {
    const base = await mkdtemp(join(tmpdir(), 'vaultlet-pod-'));
    await chmod(base, 0o755);
    // The bundle laid out as in the image (/app/dist/bundle, /app/package.json), where any user
    // can read it: the checkout may sit in a 0700 directory.
    const app = join(base, 'app');
    await cp(imageRuntime().cli.replace(/cli\.js$/, ''), join(app, 'dist', 'bundle'), { recursive: true });
    await cp(repoPath('package.json'), join(app, 'package.json'));
    await run('chmod', ['-R', 'a+rX', app]);
    const runtime = new PodRuntime(pod, base, join(app, 'dist', 'bundle', 'cli.js'));
    const fsGroup = pod.spec?.securityContext?.fsGroup;
    await mkdir(join(base, 'volumes'), { mode: 0o755 });
    for (const volume of pod.spec?.volumes ?? []) {
      const dir = runtime.volumeDir(volume.name);
      await mkdir(dir);
      if (volume.emptyDir) {
        await chmod(dir, 0o777);
        if (fsGroup !== undefined) {
          await chown(dir, 0, fsGroup);
          await chmod(dir, 0o2777);
        }
      } else if (volume.projected) {
        await chmod(dir, 0o755);
        await writeFile(join(dir, 'token'), token, { mode: 0o644 });
        if (fsGroup !== undefined) await chown(join(dir, 'token'), 0, fsGroup);
      }
    }
    return runtime;
  }

  volumeDir(name: string): string {
    return join(this.base, 'volumes', name);
  }

  container(name: string): IContainer {
    const found = [...(this.pod.spec?.initContainers ?? []), ...(this.pod.spec?.containers ?? [])].find((container) => container.name === name);
    if (!found) throw new Error(`no container ${name}`);
    return found;
  }

  /** Where `path` inside the container is on this machine, through its deepest mount; undefined when nothing is mounted there. */
  hostPath(container: IContainer, path: string): string | undefined {
    const mount = (container.volumeMounts ?? [])
      .filter((m) => path === m.mountPath || path.startsWith(`${m.mountPath.replace(/\/$/, '')}/`))
      .sort((a, b) => b.mountPath.length - a.mountPath.length)[0];
    return mount && join(this.volumeDir(mount.name), path.slice(mount.mountPath.length));
  }

  /** The container's VAULTLET_CONFIG with every path moved onto the host; a path outside its mounts is an error. */
  agentConfig(container: IContainer): string {
    const yaml = container.env?.find((variable) => variable.name === 'VAULTLET_CONFIG')?.value;
    if (!yaml) throw new Error(`${container.name} has no VAULTLET_CONFIG`);
    const document = parse(yaml) as Record<string, unknown>;
    const move = (value: unknown, key: string): unknown => {
      if (typeof value === 'string' && value.startsWith('/')) {
        const host = this.hostPath(container, value);
        if (!host) throw new Error(`${container.name}: ${key} ${value} is on no volume the container mounts`);
        return host;
      }
      if (Array.isArray(value)) return value.map((item, index) => move(item, `${key}[${index}]`));
      if (typeof value === 'object' && value !== null) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, move(v, `${key}.${k}`)]));
      return value;
    };
    return stringify(move(document, 'config'));
  }

  /** setpriv arguments for the container's process identity. */
  identityArgs(container: IContainer): string[] {
    const podContext = this.pod.spec?.securityContext;
    const own = container.securityContext;
    const uid = own?.runAsUser ?? podContext?.runAsUser ?? IMAGE_DEFAULT_UID;
    const gid = own?.runAsGroup ?? podContext?.runAsGroup ?? 0;
    const groups = [...(podContext?.supplementalGroups ?? []), ...(podContext?.fsGroup === undefined ? [] : [podContext.fsGroup])];
    const dropsAll = (own?.capabilities?.drop ?? []).includes('ALL');
    return [
      `--reuid=${uid}`, `--regid=${gid}`, groups.length ? `--groups=${groups.join(',')}` : '--clear-groups',
      // Root keeps the runtime's default capabilities unless the container drops them.
      ...(dropsAll || uid !== 0 ? ['--inh-caps=-all', '--bounding-set=-all'] : ['--bounding-set=-all,+chown,+dac_override,+fowner,+fsetid,+kill,+setgid,+setuid,+net_bind_service']),
      '--',
    ];
  }

  /** Runs `vaultlet` as the agent container would (its args, unless given others), as its user. */
  startAgent(name: string, args?: readonly string[]): AgentProcess {
    const container = this.container(name);
    const { nodeFlags } = imageRuntime();
    return AgentProcess.spawn('setpriv', [...this.identityArgs(container), process.execPath, ...nodeFlags, this.cli, ...(args ?? container.args ?? [])], {
      VAULTLET_CONFIG: this.agentConfig(container),
    });
  }

  /** Reads `path` as the container would; the error is the kernel's (EACCES) or "not mounted". */
  async read(name: string, path: string): Promise<{ text: string } | { error: string }> {
    const container = this.container(name);
    const host = this.hostPath(container, path);
    if (!host) return { error: 'not mounted' };
    try {
      const { stdout } = await run('setpriv', [...this.identityArgs(container), 'cat', host]);
      return { text: stdout };
    } catch (error) {
      return { error: String((error as { stderr?: string }).stderr ?? error).trim() };
    }
  }

  async files(volume: string): Promise<string[]> {
    return (await readdir(this.volumeDir(volume))).sort();
  }

  close(): Promise<void> {
    return rm(this.base, { recursive: true, force: true });
  }
}

export const isRoot = process.getuid?.() === 0;
