import { rm } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import { UnsafePathError } from '../errors.js';
import { describeError, type Logger } from '../log.js';
import { AtomicFileSink } from '../render/atomic-file-sink.js';
import { agentStateSchema, type AgentState } from './agent-state.js';
import { checkPrivateDirectory, preparePrivateDirectory, readNoFollow } from './private-directory.js';

/**
 * Saving the state costs time in proportion to the number of secrets; saves are spaced so they
 * take at most 1/SAVE_DUTY of the time (ten thousand secrets: a few megabytes, every second or
 * two) and a burst of changes at start costs a few saves, not one per secret.
 */
const SAVE_DUTY = 20;

/**
 * The state file: written atomically (same sink as secrets, mode 0600) in a private directory
 * (see private-directory.ts, checked before every read and write), coalescing bursts of changes
 * into one write, read once at start.
 */
export class StateFile {
  private readonly sink: AtomicFileSink;
  private readonly directory: string;
  private timer: NodeJS.Timeout | undefined;
  private pending: (() => AgentState) | undefined;
  private writing: Promise<void> = Promise.resolve();
  /** How long the last save took, which spaces out the next one. */
  private lastSaveMs = 0;

  constructor(
    readonly path: string,
    private readonly logger: Logger,
    private readonly delayMs = 200,
  ) {
    this.directory = dirname(path);
    this.sink = new AtomicFileSink({ directory: this.directory, file: basename(path), mode: 0o600 });
  }

  /**
   * Checks the state directory if it is there (it is created at the first save): a symlink, a
   * directory owned by someone else or open to group or others is refused (UnsafePathError)
   * before the agent has a token.
   */
  async prepare(): Promise<void> {
    await checkPrivateDirectory(this.directory);
  }

  /** The saved state, or undefined when there is none or it cannot be trusted (logged). */
  async read(): Promise<AgentState | undefined> {
    let text: string;
    try {
      if (!(await checkPrivateDirectory(this.directory))) return undefined;
      text = await readNoFollow(this.path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
        this.logger.warn({ file: this.path, error: describeError(error) }, 'cannot read the state file; starting afresh');
      }
      return undefined;
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      this.logger.warn({ file: this.path }, 'the state file is not valid JSON; starting afresh');
      return undefined;
    }
    const result = agentStateSchema.safeParse(parsed);
    if (!result.success) {
      this.logger.warn({ file: this.path, problems: result.error.issues.length }, 'the state file does not match this version; starting afresh');
      return undefined;
    }
    return result.data;
  }

  /** Saves `state()` soon; several calls in a burst make one write of the latest state. */
  schedule(state: () => AgentState): void {
    this.pending = state;
    this.timer ??= setTimeout(() => {
      this.timer = undefined;
      void this.flush();
    }, Math.max(this.delayMs, SAVE_DUTY * this.lastSaveMs));
  }

  /** Writes any pending state now. Never throws: a failed save costs a re-lease after a restart, nothing more. */
  flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const state = this.pending;
    this.pending = undefined;
    if (!state) return this.writing;
    this.writing = this.writing.then(async () => {
      const started = performance.now();
      try {
        // Only the state's own directory (and missing levels above it): re-creating a removed
        // output directory here would give it mode 0700 and lock the app out of its secrets.
        await preparePrivateDirectory(this.directory);
        await this.sink.write(Buffer.from(JSON.stringify(state())));
      } catch (error) {
        const refused = error instanceof UnsafePathError;
        this.logger[refused ? 'error' : 'warn']({ file: this.path, error: describeError(error) }, refused ? 'refused to save the state file' : 'cannot save the state file');
      } finally {
        this.lastSaveMs = performance.now() - started;
      }
    });
    return this.writing;
  }

  /** After leases and token were revoked there is nothing left to adopt. */
  async remove(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.pending = undefined;
    await this.writing;
    if (await checkPrivateDirectory(this.directory)) await rm(this.path, { force: true });
  }
}
