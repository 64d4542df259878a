/** The part of `process` that delivers signals (an EventEmitter stands in for it in tests). */
export interface SignalSource {
  on(event: NodeJS.Signals, listener: (signal: NodeJS.Signals) => void): unknown;
  off(event: NodeJS.Signals, listener: (signal: NodeJS.Signals) => void): unknown;
}

export type StopEvent = { readonly kind: 'stop' | 'repeated' | 'force'; readonly signal: NodeJS.Signals };

/**
 * How the CLI answers SIGTERM and SIGINT. The first one stops gracefully (revoking, within the
 * grace period). A repeated SIGTERM does not cut that short: Kubernetes sends one and then SIGKILL
 * when the grace period is over, but a signal to the process group plus one from a parent (a
 * shell, tini, a supervisor) makes two. A third signal, or a second SIGINT (Ctrl-C twice at a
 * terminal), stops at once without revoking. Installed before the rest of the CLI loads: a stop
 * signal before a command has claimed it (loading, reading the config) exits at once with
 * `unclaimedExitCode`, as nothing has been started that would need giving back. Until a command
 * listens, SIGHUP (a reload for `run`) is ignored rather than fatal.
 */
export class StopSignals {
  private readonly controller = new AbortController();
  private readonly listeners = new Set<(event: StopEvent) => void>();
  private readonly received = { SIGTERM: 0, SIGINT: 0 };
  private readonly onSignal = (signal: NodeJS.Signals) => this.handle(signal);
  private claimed = false;

  private constructor(
    private readonly source: SignalSource,
    private readonly force: (code: number) => void,
    private readonly unclaimedExitCode: number,
  ) {}

  static install(
    source: SignalSource = process,
    options: { ignoreHangup?: boolean; unclaimedExitCode?: number; force?: (code: number) => void } = {},
  ): StopSignals {
    const stops = new StopSignals(source, options.force ?? ((code) => process.exit(code)), options.unclaimedExitCode ?? 0);
    source.on('SIGTERM', stops.onSignal);
    source.on('SIGINT', stops.onSignal);
    if (options.ignoreHangup) source.on('SIGHUP', ignore);
    return stops;
  }

  /**
   * A command that has started something a stop must wind down (an agent, a server) takes the
   * signals over from here; returns the signal that aborts on the first stop.
   */
  claim(): AbortSignal {
    this.claimed = true;
    return this.controller.signal;
  }

  /** Aborts on the first SIGTERM or SIGINT (once claimed). */
  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** Hears about every signal handled (for the log); returns the unsubscribe function. */
  onEvent(listener: (event: StopEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Once a command handles SIGHUP itself, the placeholder goes. */
  stopIgnoringHangup(): void {
    this.source.off('SIGHUP', ignore);
  }

  private handle(signal: NodeJS.Signals): void {
    if (!this.claimed) return this.force(this.unclaimedExitCode);
    if (signal === 'SIGTERM' || signal === 'SIGINT') this.received[signal]++;
    const total = this.received.SIGTERM + this.received.SIGINT;
    const kind = total === 1 ? 'stop' : total >= 3 || this.received.SIGINT >= 2 ? 'force' : 'repeated';
    for (const listener of [...this.listeners]) listener({ kind, signal });
    if (kind === 'stop') this.controller.abort();
    // 128 + the signal's number, as a shell reports a process the signal killed.
    if (kind === 'force') this.force(signal === 'SIGINT' ? 130 : 143);
  }
}

function ignore(): void {}
