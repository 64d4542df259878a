import { setMaxListeners } from 'node:events';
import { AccessTracker } from './access/access-tracker.js';
import { readsUpdateAtime } from './access/atime-support.js';
import { AuthHandler } from './auth/auth-handler.js';
import { createAuthMethod } from './auth/method.js';
import { tokenExpiresAt } from './auth/vault-token.js';
import type { Config } from './config/index.js';
import { describeError, type Logger } from './log.js';
import type { BackoffLimits } from './lease/backoff.js';
import { SecretWorker, type SecretStatus } from './lease/secret-worker.js';
import type { MetricsRecorder, SecretSnapshot } from './metrics/recorder.js';
import type { Readiness } from './http/readiness.js';
import { AtomicFileSink, probeDirectory, renderSecret } from './render/index.js';
import { removeStaleTempFiles } from './render/stale-temp-files.js';
import { createSource } from './sources/source.js';
import type { AgentState } from './state/agent-state.js';
import { StateFile } from './state/state-file.js';
import { VaultClient } from './vault/client.js';
import { CredentialWatcher } from './watch/credential-watcher.js';
import { OutputWatcher } from './watch/output-watcher.js';

/** How often the access tracker looks at the files' atime. */
const ACCESS_POLL_MS = 5_000;

export interface AgentStatus {
  readonly ready: boolean;
  readonly tokenExpiresAt?: number;
  readonly authError?: string;
  readonly secrets: ReadonlyArray<SecretStatus & { accessTracked?: boolean; appReadAt?: number; versionWrittenAt?: number }>;
}

export interface AgentOptions {
  readonly config: Config;
  readonly logger: Logger;
  readonly recorder: MetricsRecorder;
  readonly now?: () => number;
  readonly random?: () => number;
}

/**
 * The pipeline for one pod: auth handler → one worker per secret (source → renderer → atomic
 * sink), sharing one Vault client. Knows nothing of HTTP or signals; cli.ts wires those.
 */
export class Agent {
  readonly auth: AuthHandler;
  readonly workers: readonly SecretWorker[];
  private readonly vault: VaultClient;
  private readonly state: StateFile | undefined;
  private readonly identity: string;
  private readonly controller = new AbortController();
  private readonly tasks: Promise<void>[] = [];
  private readonly watchers: Array<{ close(): Promise<void> }> = [];
  /** Whether the app has read each file: one lstat per file per poll. */
  readonly access = new AccessTracker();
  private closing: Promise<void> | undefined;

  constructor(private readonly options: AgentOptions) {
    const { config, logger, recorder } = options;
    const now = options.now ?? Date.now;
    // Every worker waits on this signal; one listener each is expected, not a leak.
    setMaxListeners(0, this.controller.signal);
    this.vault = new VaultClient({ config: config.vault, recorder, now, random: options.random });
    this.auth = new AuthHandler({ vault: this.vault, method: createAuthMethod(config.auth), recorder, logger, now, random: options.random, backoff: backoffFor(config) });
    this.state = config.state ? new StateFile(config.state.file, logger) : undefined;
    this.identity = JSON.stringify(config.auth.method === 'kubernetes' ? [config.vault.address, config.auth.mount, config.auth.role] : [config.vault.address, config.auth.path]);
    const saveState = () => this.state?.schedule(() => this.snapshotState());
    this.auth.onTokenChange(saveState);
    this.workers = config.secrets.map((secret) => {
      const sink = new AtomicFileSink({ directory: config.output.directory, file: secret.file, mode: secret.mode, uid: config.output.uid, gid: config.output.gid });
      return new SecretWorker({
        source: createSource(secret, now),
        render: (data) => renderSecret({ secret: secret.name, format: secret.format, data, field: secret.field, envPrefix: secret.envPrefix }),
        sink,
        vault: this.vault,
        auth: this.auth,
        recorder,
        logger,
        backoff: backoffFor(config),
        onStateChange: saveState,
        onWritten: () => void this.access.written(secret.name, sink.path),
        now,
        random: options.random,
      });
    });
  }

  private snapshotState(): AgentState {
    const { token, retired } = this.auth.persisted();
    const secrets: AgentState['secrets'] = {};
    for (const worker of this.workers) {
      const saved = worker.persisted();
      if (saved) secrets[worker.name] = saved;
    }
    return { version: 1, identity: this.identity, token, retired, secrets };
  }

  /**
   * Adopts what a previous run left in the state file (token first, then each lease), so a
   * restarted or crash-looping agent does not mint new credentials. Then runs normally.
   */
  private async resume(signal: AbortSignal): Promise<void> {
    const saved = await this.state?.read();
    const usable = saved && saved.identity === this.identity ? saved : undefined;
    if (saved && !usable) this.options.logger.info('the state file belongs to another Vault or role; not adopting it');
    if (usable?.token) await this.auth.adopt(usable.token, usable.retired, signal).catch(() => false);
    const authDone = this.auth.start(signal);
    const workersDone = this.workers.map(async (worker) => {
      const lease = usable?.secrets[worker.name];
      if (lease) await worker.adopt(lease, signal).catch(() => false);
      await worker.run(signal);
    });
    await Promise.all([authDone, ...workersDone]);
  }

  /** Fails fast (before any Vault call) when the output directory is not writable. */
  async start(): Promise<void> {
    const { config, logger } = this.options;
    await this.prepareOutput();
    // Known before the first write, so the first version of each file is tracked too.
    this.access.enable(await readsUpdateAtime(config.output.directory));
    const signal = this.controller.signal;
    this.tasks.push(this.resume(signal));
    // Someone deleted or rewrote a secret file: put the current one back.
    const byFile = new Map(this.workers.map((worker, index) => [config.secrets[index]!.file, worker]));
    const files = new Set(byFile.keys());
    const output = new OutputWatcher({
      directory: config.output.directory,
      files: () => files,
      // Our own renames show up here too; restore() writes (and warns) only when the bytes differ.
      onTampered: (file) => void byFile.get(file)?.restore(),
      logger,
      signal,
    });
    const credentials = new CredentialWatcher({ file: this.auth.credentialFile, onChange: () => this.auth.credentialsChanged(), logger, signal });
    await Promise.all([output.start(), credentials.start()]);
    this.watchers.push(output, credentials);
    if (!this.access.enabled) {
      logger.info({ directory: config.output.directory }, 'the output mount does not update atime (noatime): app reads cannot be seen');
      return;
    }
    const poll = setInterval(() => void this.access.refresh(), ACCESS_POLL_MS);
    poll.unref();
    signal.addEventListener('abort', () => clearInterval(poll), { once: true });
  }

  /** Fails fast when the directory is not writable; clears what a killed run left half-written. */
  private async prepareOutput(): Promise<void> {
    const { config, logger } = this.options;
    await probeDirectory(config.output.directory);
    await removeStaleTempFiles(config.output.directory, config.secrets.map((secret) => secret.file), logger);
  }

  /** Writes every secret once and returns; for init containers. */
  async once(signal: AbortSignal): Promise<void> {
    await this.prepareOutput();
    const both = AbortSignal.any([signal, this.controller.signal]);
    void this.auth.start(both);
    await Promise.all(this.workers.map((worker) => worker.writeOnce(both)));
    // A sidecar started after this init container adopts these leases instead of leasing anew.
    this.state?.schedule(() => this.snapshotState());
    await this.state?.flush();
  }

  readiness(): Readiness {
    const reasons: string[] = [];
    if (!this.auth.current()) reasons.push('not logged in');
    for (const worker of this.workers) {
      const state = worker.readiness();
      if (!state.ready && state.reason) reasons.push(state.reason);
    }
    return { ready: reasons.length === 0, reasons };
  }

  /** Per-secret state for metrics: timing from the workers, app reads from the access tracker. */
  snapshots(): SecretSnapshot[] {
    return this.workers.map((worker) => ({ ...worker.snapshot(), ...this.appReads(worker.name) }));
  }

  private appReads(secret: string): { accessTracked: boolean; versionWrittenAt?: number; appReadAt?: number } {
    const access = this.access.access(secret);
    return { accessTracked: this.access.enabled, versionWrittenAt: access?.writtenAt, appReadAt: access?.readAt };
  }

  /** Everything the status page shows, with no secret values or tokens. */
  status(): AgentStatus {
    return {
      ready: this.readiness().ready,
      tokenExpiresAt: this.tokenExpiresAt(),
      authError: this.auth.lastError(),
      secrets: this.workers.map((worker) => ({ ...worker.status(), ...this.appReads(worker.name) })),
    };
  }

  tokenExpiresAt(): number | undefined {
    const token = this.auth.current();
    return token ? tokenExpiresAt(token) : undefined;
  }

  /**
   * Stops every timer, then (when `revoke`) revokes leases and the token within the grace
   * period. Safe to call twice; never throws, never waits past the grace period.
   */
  close(options: { revoke: boolean; gracePeriodMs: number }): Promise<void> {
    this.closing ??= this.shutdown(options);
    return this.closing;
  }

  private async shutdown({ revoke, gracePeriodMs }: { revoke: boolean; gracePeriodMs: number }): Promise<void> {
    const { logger } = this.options;
    this.controller.abort();
    await Promise.allSettled([...this.tasks, ...this.watchers.map((watcher) => watcher.close())]);
    if (revoke) {
      const grace = AbortSignal.timeout(Math.max(1, gracePeriodMs));
      const current = this.auth.current();
      const tokenBeingRevoked = current?.owned ? current.token : undefined;
      const results = await Promise.allSettled(this.workers.map((worker) => worker.revoke(grace, tokenBeingRevoked)));
      results.forEach((result, index) => {
        if (result.status === 'rejected') {
          logger.warn({ secret: this.workers[index]!.name, error: describeError(result.reason) }, 'could not revoke lease at shutdown (does the policy grant update on sys/leases/revoke?)');
        }
      });
      let tokenRevoked = false;
      try {
        tokenRevoked = await this.auth.revoke(grace);
        if (tokenRevoked) logger.info('revoked the Vault token');
      } catch (error) {
        logger.warn({ error: describeError(error) }, 'could not revoke the Vault token at shutdown; its leases stay until they expire');
      }
      const count = (outcome: string) => results.filter((r) => r.status === 'fulfilled' && r.value === outcome).length;
      logger.info({ with_token: tokenRevoked ? count('with-token') : 0, explicitly: count('revoked') }, 'revoked leases');
      // Nothing left to adopt; a stale file would only cost the next start some lookups.
      if (tokenRevoked) await this.state?.remove().catch(() => {});
      else await this.state?.flush();
    } else {
      await this.state?.flush();
    }
    this.vault.close();
  }
}

function backoffFor(config: Config): BackoffLimits {
  return { baseMs: 1_000, capMs: config.vault.retryCapMs, floorMs: 250 };
}
