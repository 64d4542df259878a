import { setMaxListeners } from 'node:events';
import { AccessTracker } from './access/access-tracker.js';
import { readsUpdateAtime } from './access/atime-support.js';
import type { ReadEndpoint } from './access/read-endpoint.js';
import { ActionRunner } from './actions/index.js';
import { AuthHandler } from './auth/auth-handler.js';
import { createAuthMethod } from './auth/method.js';
import { tokenExpiresAt } from './auth/vault-token.js';
import type { Config } from './config/index.js';
import { AbortedError, VaultletError } from './errors.js';
import { FileSet } from './files/file-set.js';
import { FirstWrites } from './files/first-writes.js';
import type { FileStatus, OutputFile } from './files/output-file.js';
import { servedFiles } from './files/served-files.js';
import { describeError, type Logger } from './log.js';
import type { BackoffLimits } from './lease/backoff.js';
import { revokeAtShutdown } from './lease/revoke-at-shutdown.js';
import { SecretWorker, type SecretStatus } from './lease/secret-worker.js';
import { Timeline } from './lease/timeline.js';
import { WorkerSet } from './lease/worker-set.js';
import type { AgentRecorder, FileSnapshot, SecretSnapshot, TokenSnapshot } from './metrics/recorder.js';
import type { Readiness } from './http/readiness.js';
import { probeDirectory } from './render/index.js';
import { removeStaleTempFiles } from './render/stale-temp-files.js';
import type { CompiledTemplate } from './render/template.js';
import { createSource } from './sources/source.js';
import type { AgentState } from './state/agent-state.js';
import { StateFile } from './state/state-file.js';
import { VaultClient } from './vault/client.js';
import { CredentialWatcher } from './watch/credential-watcher.js';
import { forEachLimited } from './util/for-each-limited.js';
import { OutputWatcher } from './watch/output-watcher.js';

/** How often the access tracker looks at the files' atime. */
const ACCESS_POLL_MS = 5_000;
/** How long the watchers wait for the next of the first writes before starting anyway (Vault slow or down). */
const WATCH_AFTER_MS = 1_000;
/** Files looked at together once the watchers are ready. */
const LOOKS_AT_ONCE = 16;
/** Reasons /readyz and /status put into words; beyond that, a count. */
const MAX_REASONS = 20;

/** accessTracked: reads of the file can be seen (atime updates on the mount) and are watched (track_reads). */
export type FileAccessStatus = FileStatus & { accessTracked: boolean; appReadAt?: number; versionWrittenAt?: number; unreadSince?: number };

export interface AgentStatus {
  readonly ready: boolean;
  readonly tokenExpiresAt?: number;
  readonly authError?: string;
  readonly secrets: readonly SecretStatus[];
  readonly files: readonly FileAccessStatus[];
}

export interface AgentOptions {
  readonly config: Config;
  /** Compiled templates by file name (files/compile-templates.ts). */
  readonly templates?: ReadonlyMap<string, CompiledTemplate>;
  readonly logger: Logger;
  readonly recorder: AgentRecorder;
  readonly now?: () => number;
  readonly random?: () => number;
}

/**
 * The pipeline for one pod: auth handler → one worker per secret (source → file set → atomic
 * sinks), sharing one Vault client; on-change actions after a file changes. Knows nothing of HTTP
 * or signals; the commands wire those.
 */
export class Agent {
  readonly auth: AuthHandler;
  readonly files: FileSet;
  private readonly workerSet: WorkerSet;
  private readonly vault: VaultClient;
  private readonly state: StateFile | undefined;
  private readonly identity: string;
  private readonly actions: ActionRunner;
  private readonly controller = new AbortController();
  private readonly tasks: Promise<void>[] = [];
  private readonly watchers: Array<{ close(): Promise<void> }> = [];
  /** Whether the app has read each file: one lstat per file per poll. */
  readonly access = new AccessTracker();
  private config: Config;
  private closing: Promise<void> | undefined;
  private started = false;
  /** The reload in progress (never rejects); close() waits for it. */
  private reloading: Promise<void> = Promise.resolve();
  private endpoint: ReadEndpoint | undefined;
  private firstWrites: FirstWrites | undefined;

  constructor(private readonly options: AgentOptions) {
    const { logger, recorder } = options;
    const config = (this.config = options.config);
    const now = options.now ?? Date.now;
    // Every worker waits on this signal; one listener each is expected, not a leak.
    setMaxListeners(0, this.controller.signal);
    this.vault = new VaultClient({ config: config.vault, recorder, now, random: options.random });
    this.auth = new AuthHandler({ vault: this.vault, method: createAuthMethod(config.auth, this.vault), recorder, logger, now, random: options.random, backoff: backoffFor(config) });
    this.state = config.state ? new StateFile(config.state.file, logger) : undefined;
    this.identity = identityOf(config);
    this.actions = new ActionRunner({ logger, metrics: recorder, debounceMs: config.actions.debounceMs });
    this.files = new FileSet({
      directory: config.output.directory,
      logger,
      now,
      keepBytes: config.readEndpoint !== false,
      onCurrent: (file, stamp) => {
        this.firstWrites?.written(file.name);
        if (file.config.trackReads === false) this.access.forget(file.name);
        else void this.access.written(file.name, file.path, stamp);
      },
      onChanged: (file, created) => this.fileChanged(file, created),
    });
    this.files.configure(config.files, options.templates ?? new Map());
    const saveState = () => this.state?.schedule(() => this.snapshotState());
    this.auth.onTokenChange(saveState);
    const timeline = new Timeline(now);
    const backoff = backoffFor(config);
    this.workerSet = new WorkerSet(
      (secret) =>
        new SecretWorker({
          source: createSource(secret, now),
          files: this.files,
          vault: this.vault,
          auth: this.auth,
          recorder,
          logger,
          backoff,
          onStateChange: saveState,
          now,
          random: options.random,
          timeline,
        }),
    );
    this.workerSet.configure(config.secrets);
  }

  get workers(): readonly SecretWorker[] {
    return this.workerSet.workers;
  }

  /** Tells the app: an earlier version was there, so the app may hold it. */
  private fileChanged(file: OutputFile, created: boolean): void {
    if (!created && file.config.onChange.length) this.actions.changed(file.path, file.config.onChange);
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
    // Said once at start, as info: a restart then logs in and leases anew, which is safe but costs credentials.
    if (!this.state) this.options.logger.info('no state.file configured: a restarted agent logs in and leases every secret anew');
    const saved = await this.state?.read();
    const usable = saved && saved.identity === this.identity ? saved : undefined;
    if (saved && !usable) this.options.logger.info('the state file belongs to another Vault or role; not adopting it');
    if (usable?.token) await this.auth.adopt(usable.token, usable.retired, signal).catch(() => false);
    const authDone = this.auth.start(signal);
    // Not awaited one by one (that would hold a promise reaction per secret for the agent's
    // life): shutdown waits for the set to settle.
    for (const worker of this.workers) {
      const lease = usable?.secrets[worker.name];
      this.workerSet.start(worker, signal, lease ? (both) => worker.adopt(lease, both) : undefined);
    }
    await authDone;
  }

  /** Fails fast (before any Vault call) when the output directory is not writable. */
  async start(): Promise<void> {
    const { config } = this;
    await this.prepareOutput();
    // Known before the first write, so the first version of each file is tracked too.
    this.access.enable(await readsUpdateAtime(config.output.directory));
    const signal = this.controller.signal;
    this.started = true;
    // Before any Vault call, like the main HTTP server: a port clash stops the agent here.
    if (config.readEndpoint) await this.startReadEndpoint(config.readEndpoint, signal);
    this.firstWrites = new FirstWrites(this.files.all().map((file) => file.name));
    this.tasks.push(this.resume(signal), this.watchOnceWritten(signal));
  }

  /**
   * The app waits for its files, not for the watchers that guard them: they start once the first
   * writes are done (or stall), so they neither delay the first files (~25 ms, bench/) nor see
   * and check each of ten thousand first writes of ours. What changed before they watched is
   * caught by one look at every file once they are ready.
   */
  private async watchOnceWritten(signal: AbortSignal): Promise<void> {
    const { logger } = this.options;
    const { config } = this;
    await this.firstWrites!.settled(WATCH_AFTER_MS, signal);
    if (signal.aborted) return;
    const output = new OutputWatcher({
      directory: config.output.directory,
      files: () => this.files.names,
      // Our own renames show up here too; refresh() writes (and warns) only when the bytes differ.
      onTampered: (file) => void this.restore(file),
      logger,
      signal,
    });
    const credentials = new CredentialWatcher({ file: this.auth.credentialFile, onChange: () => this.auth.credentialsChanged(), logger, signal });
    await Promise.all([output.start(), credentials.start()]);
    this.watchers.push(output, credentials);
    // Only files already written: one still waiting for Vault is written by its worker, and
    // writing it here would be logged as a restore. A few at a time: all ten thousand at once
    // was a 20 MiB burst of pending lstats.
    const written = this.files.all().filter((file) => file.written && !signal.aborted);
    await forEachLimited(written, LOOKS_AT_ONCE, (file) => this.restore(file.name));
    if (!this.access.enabled) {
      logger.info({ directory: config.output.directory }, 'the output mount does not update atime (noatime): app reads cannot be seen');
      return;
    }
    const poll = setInterval(() => this.access.refresh(), ACCESS_POLL_MS);
    poll.unref();
    signal.addEventListener('abort', () => clearInterval(poll), { once: true });
  }

  /** Serves the files on loopback and counts every read (see access/read-endpoint.ts). */
  private async startReadEndpoint(listen: { host: string; port: number }, signal: AbortSignal): Promise<void> {
    // Loaded only when configured: it brings express with it.
    const { ReadEndpoint } = await import('./access/read-endpoint.js');
    this.endpoint = new ReadEndpoint({ ...listen, files: servedFiles(this.files), metrics: this.options.recorder, logger: this.options.logger, signal });
    const { url } = await this.endpoint.start();
    this.watchers.push(this.endpoint);
    this.options.logger.info({ url }, 'serving the files on the read endpoint');
  }

  /**
   * Someone deleted or rewrote a file: put the current version back. Most reports are of our own
   * writes, which one lstat tells apart without rendering the file again.
   */
  private async restore(file: string): Promise<void> {
    try {
      if (await this.files.get(file)?.intact()) return;
      if (await this.files.refresh(file)) this.options.logger.warn({ file }, 'the file was deleted or altered; restored it');
    } catch (error) {
      this.options.logger.warn({ file, error: describeError(error) }, 'could not restore the file');
    }
  }

  /**
   * Fails fast when the directory is not writable or the state directory is not private (see
   * state/private-directory.ts); clears what a killed run left half-written.
   */
  private async prepareOutput(): Promise<void> {
    const { config } = this;
    await probeDirectory(config.output.directory);
    await this.state?.prepare();
    await removeStaleTempFiles(config.output.directory, config.files.map((file) => file.file), this.options.logger);
  }

  /** Writes every secret once and returns; for init containers. */
  async once(signal: AbortSignal): Promise<void> {
    await this.prepareOutput();
    const both = AbortSignal.any([signal, this.controller.signal]);
    // The secrets making their first attempt (up to 32, see WorkerSet) each listen on it.
    setMaxListeners(0, both);
    void this.auth.start(both);
    // One listener stops every worker, rather than one per worker on the same signal.
    const stopAll = () => this.workers.forEach((worker) => worker.stop());
    if (both.aborted) stopAll();
    both.addEventListener('abort', stopAll, { once: true });
    try {
      await Promise.all(
        this.workers.map(async (worker) => {
          await this.workerSet.admit(worker, both);
          await worker.writeOnce();
        }),
      );
    } finally {
      both.removeEventListener('abort', stopAll);
    }
    // Every secret is in hand; a file that still could not be rendered fails the init container.
    const unwritten = this.files.notReady();
    if (unwritten.length) throw new VaultletError(`not every file could be written: ${unwritten.join('; ')}`);
    // A sidecar started after this init container adopts these leases instead of leasing anew.
    this.state?.schedule(() => this.snapshotState());
    await this.state?.flush();
  }

  /**
   * Applies a new config without touching what did not change: secrets whose Vault read is the
   * same keep their worker and lease; files are re-rendered from the data in hand and rewritten
   * only when their bytes differ. Returns the top-level keys that changed but need a restart.
   * Reloads run one at a time; once the agent is closing a reload is refused.
   */
  reload(next: Config, templates: ReadonlyMap<string, CompiledTemplate>): Promise<string[]> {
    const applied = this.reloading.then(() => this.applyReload(next, templates));
    this.reloading = applied.then(
      () => {},
      () => {},
    );
    return applied;
  }

  private async applyReload(next: Config, templates: ReadonlyMap<string, CompiledTemplate>): Promise<string[]> {
    const { logger } = this.options;
    const signal = this.controller.signal;
    if (signal.aborted) throw new AbortedError('the agent is stopping; the new configuration was not applied');
    const restartNeeded = settingsNeedingRestart(this.config, next);
    const previous = this.config;
    this.config = { ...next, ...Object.fromEntries(restartNeeded.map((key) => [key, previous[key]])) };
    const before = new Map(this.files.all().map((file) => [file.name, file]));
    const dropped = this.files.configure(next.files, templates);
    const { added, removed } = this.workerSet.configure(next.secrets);
    // Stopped before any file is written, and their data forgotten: no file is rendered again
    // from a credential about to be revoked (a changed secret's files wait for its new data).
    await Promise.all(removed.map((worker) => this.workerSet.stop(worker)));
    for (const worker of removed) this.files.forget(worker.name);
    for (const file of dropped) await this.removeFile(before.get(file)!);
    if (!signal.aborted) {
      await Promise.all(this.files.all().map((file) => this.files.refresh(file.name).catch((error: unknown) => {
        logger.warn({ file: file.name, error: describeError(error) }, 'could not write the file after the reload');
      })));
      if (this.started) for (const worker of added) this.workerSet.start(worker, signal);
      this.state?.schedule(() => this.snapshotState());
    }
    // Last, so a slow or hanging Vault delays no added secret (a changed one is being fetched meanwhile).
    await Promise.all(removed.map((worker) => this.revokeRemoved(worker)));
    logger.info({ added: added.map((w) => w.name), removed: removed.map((w) => w.name), files_removed: dropped, restart_needed: restartNeeded }, 'configuration reloaded');
    return restartNeeded;
  }

  /** A secret removed from (or changed in) the config gives its lease back, when shutdown.revoke says so. */
  private async revokeRemoved(worker: SecretWorker): Promise<void> {
    if (!this.config.shutdown.revoke) return;
    try {
      await worker.revoke(AbortSignal.timeout(Math.max(1000, this.config.shutdown.gracePeriodMs)));
    } catch (error) {
      this.options.logger.warn({ secret: worker.name, error: describeError(error) }, 'could not revoke the lease of a removed secret; it expires on its own');
    }
  }

  private async removeFile(file: OutputFile): Promise<void> {
    this.access.forget(file.name);
    this.endpoint?.forget(file.name);
    await file.remove().catch((error: unknown) => {
      this.options.logger.warn({ file: file.name, error: describeError(error) }, 'could not remove a file dropped from the config');
    });
  }

  /**
   * Ready when logged in and every secret and file is current. At most MAX_REASONS reasons are
   * given (then how many more): a probe while ten thousand secrets are being fetched would
   * otherwise answer with a megabyte of them.
   */
  readiness(): Readiness {
    const reasons: string[] = [];
    let more = 0;
    const add = (reason: string) => {
      if (reasons.length < MAX_REASONS) reasons.push(reason);
      else more++;
    };
    if (!this.auth.current()) add('not logged in');
    for (const worker of this.workers) {
      const state = worker.readiness();
      if (!state.ready && state.reason) add(state.reason);
    }
    const files = this.files.notReady(MAX_REASONS - reasons.length);
    for (const reason of files) add(reason);
    more += files.more ?? 0;
    if (more) reasons.push(`and ${more} more`);
    return { ready: reasons.length === 0, reasons };
  }

  /** Per-secret state for metrics, read at scrape time. */
  snapshots(): SecretSnapshot[] {
    return this.workers.map((worker) => worker.snapshot());
  }

  /** Per-file state for metrics: up to date, and app reads from the access tracker. */
  fileSnapshots(): FileSnapshot[] {
    return this.fileStatuses().map((file) => ({ ...file, file: file.file }));
  }

  private fileStatuses(): FileAccessStatus[] {
    return this.files.statuses().map((status) => {
      const access = this.access.access(status.file);
      return {
        ...status,
        accessTracked: this.access.enabled && status.trackReads,
        versionWrittenAt: access?.writtenAt,
        appReadAt: access?.readAt,
        unreadSince: access?.unreadSince,
      };
    });
  }

  /** Everything the status page shows, with no secret values or tokens. */
  status(): AgentStatus {
    return {
      ready: this.readiness().ready,
      tokenExpiresAt: this.tokenExpiresAt(),
      authError: this.auth.lastError(),
      secrets: this.workers.map((worker) => worker.status()),
      files: this.fileStatuses(),
    };
  }

  tokenExpiresAt(): number | undefined {
    const token = this.auth.current();
    return token ? tokenExpiresAt(token) : undefined;
  }

  /** The token's timing for metrics (the last token's while logged out); undefined before the first login. */
  tokenSnapshot(): TokenSnapshot | undefined {
    return this.auth.timing();
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
    this.controller.abort();
    // A reload in progress finishes first (it sees the abort), so nothing is written after close().
    await this.reloading;
    await Promise.allSettled([...this.tasks, this.workerSet.settled(), ...this.watchers.map((watcher) => watcher.close())]);
    const grace = AbortSignal.timeout(Math.max(1, gracePeriodMs));
    await this.actions.close(grace);
    if (revoke) {
      const tokenRevoked = await revokeAtShutdown(this.workers, this.auth, this.options.logger, grace);
      // Nothing left to adopt; a stale file would only cost the next start some lookups.
      if (tokenRevoked) await this.state?.remove().catch(() => {});
      else await this.state?.flush();
    } else {
      await this.state?.flush();
    }
    this.vault.close();
  }
}

/**
 * A state file is adopted only by an agent logging in to the same Vault the same way. The
 * namespace is part of "the same Vault": OpenBao accepts a child namespace's token and leases in
 * requests to the root one, so without it an agent moved to another namespace kept serving the
 * old one's credentials. (Appended only when set, so existing state files keep matching.)
 */
function identityOf(config: Config): string {
  const { auth } = config;
  const namespace = config.vault.namespace ? [config.vault.namespace] : [];
  switch (auth.method) {
    case 'kubernetes':
    case 'jwt':
      return JSON.stringify([config.vault.address, auth.mount, auth.role, ...namespace]);
    case 'approle':
      return JSON.stringify([config.vault.address, auth.mount, auth.roleIdFile, ...namespace]);
    case 'token_file':
      return JSON.stringify([config.vault.address, auth.path, ...namespace]);
  }
}

/**
 * Settings read only at start: a reload keeps their running values and reports them. The output
 * directory needs a restart; its mode, uid and gid reach every file through the file configs.
 * `log` and `shutdown` are read by the command that started the agent.
 */
function settingsNeedingRestart(running: Config, next: Config): Array<keyof Config> {
  const keys = ['vault', 'auth', 'output', 'listen', 'state', 'readEndpoint', 'actions', 'log', 'shutdown'] as const;
  const view = (config: Config, key: (typeof keys)[number]) => JSON.stringify(key === 'output' ? config.output.directory : config[key]);
  return keys.filter((key) => view(running, key) !== view(next, key));
}

function backoffFor(config: Config): BackoffLimits {
  return { baseMs: 1_000, capMs: config.vault.retryCapMs, floorMs: 250 };
}
