import { mkdir, readFile, rm } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import { describeError, type Logger } from '../log.js';
import { AtomicFileSink } from '../render/atomic-file-sink.js';
import { agentStateSchema, type AgentState } from './agent-state.js';

/**
 * The state file: written atomically (same sink as secrets, mode 0600 in a 0700 directory),
 * coalescing bursts of changes into one write, read once at start.
 */
export class StateFile {
  private readonly sink: AtomicFileSink;
  private timer: NodeJS.Timeout | undefined;
  private pending: (() => AgentState) | undefined;
  private writing: Promise<void> = Promise.resolve();

  constructor(
    readonly path: string,
    private readonly logger: Logger,
    private readonly delayMs = 200,
  ) {
    this.sink = new AtomicFileSink({ directory: dirname(path), file: basename(path), mode: 0o600 });
  }

  /** The saved state, or undefined when there is none or it cannot be trusted (logged). */
  async read(): Promise<AgentState | undefined> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
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
    }, this.delayMs);
  }

  /** Writes any pending state now. Never throws: a failed save costs a re-lease after a restart, nothing more. */
  flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const state = this.pending;
    this.pending = undefined;
    if (!state) return this.writing;
    this.writing = this.writing.then(async () => {
      try {
        // Only the state's own directory: re-creating a removed output directory here would
        // give it mode 0700 and lock the app out of its secrets.
        await mkdir(dirname(this.path), { mode: 0o700 }).catch((error: NodeJS.ErrnoException) => {
          if (error.code !== 'EEXIST') throw error;
        });
        await this.sink.write(Buffer.from(JSON.stringify(state())));
      } catch (error) {
        this.logger.warn({ file: this.path, error: describeError(error) }, 'cannot save the state file');
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
    await rm(this.path, { force: true });
  }
}
