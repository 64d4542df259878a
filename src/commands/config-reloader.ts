import type { Agent } from '../agent.js';
import { describeError, type Logger } from '../log.js';
import type { AgentRecorder } from '../metrics/recorder.js';
import { CredentialWatcher } from '../watch/credential-watcher.js';
import type { ConfigSource } from './config-source.js';

export interface ConfigReloaderOptions {
  readonly source: ConfigSource;
  readonly agent: Agent;
  readonly recorder: AgentRecorder;
  readonly logger: Logger;
  readonly signal: AbortSignal;
  /** Where SIGHUP comes from; the process by default, an EventEmitter in tests. */
  readonly process?: HangupSource;
}

/** The part of `process` (or of an EventEmitter standing in for it) that delivers SIGHUP. */
export interface HangupSource {
  on(event: 'SIGHUP', listener: () => void): unknown;
  off(event: 'SIGHUP', listener: () => void): unknown;
}

/**
 * Reloads the config when its file changes (a ConfigMap update swaps `..data` like a projected
 * token, so the same watcher serves) or on SIGHUP. A config that fails validation is refused
 * with its problems logged and counted; the running one stays. Reloads never overlap.
 */
export class ConfigReloader {
  private watcher: CredentialWatcher | undefined;
  private running: Promise<void> = Promise.resolve();
  private pending = false;
  private closed = false;
  private readonly onHangup = () => this.request('SIGHUP');

  constructor(private readonly options: ConfigReloaderOptions) {}

  async start(): Promise<void> {
    const { source, logger, signal } = this.options;
    const target = this.options.process ?? process;
    target.on('SIGHUP', this.onHangup);
    signal.addEventListener('abort', () => target.off('SIGHUP', this.onHangup), { once: true });
    if (!source.file) return;
    this.watcher = new CredentialWatcher({ file: source.file, onChange: () => this.request('file change'), logger, signal, label: 'config file', debounceMs: 250 });
    await this.watcher.start();
  }

  /** Resolves when the reload asked for now (and any queued before it) has finished. */
  request(reason: string): Promise<void> {
    if (this.pending) return this.running;
    this.pending = true;
    this.running = this.running.then(async () => {
      this.pending = false;
      if (!this.closed && !this.options.signal.aborted) await this.reload(reason);
    });
    return this.running;
  }

  private async reload(reason: string): Promise<void> {
    const { source, agent, recorder, logger } = this.options;
    try {
      const { config, templates } = await source.load();
      const restartNeeded = await agent.reload(config, templates);
      for (const secret of config.secrets) recorder.declareSecret?.(secret.name, secret.kind);
      recorder.configReloaded('success');
      if (restartNeeded.length) logger.warn({ keys: restartNeeded, reason }, 'these settings changed but take effect only after a restart');
    } catch (error) {
      recorder.configReloaded('failure');
      logger.error({ reason, error: describeError(error) }, 'refused the new configuration; the running one stays');
    }
  }

  /** Stops listening, drops a queued reload and waits for the running one. Safe to call twice. */
  async close(): Promise<void> {
    this.closed = true;
    (this.options.process ?? process).off('SIGHUP', this.onHangup);
    await this.watcher?.close();
    await this.running;
  }
}
