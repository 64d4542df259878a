/** One line of the results table. `pass` is undefined for figures that have no target. */
export interface Row {
  readonly section: string;
  readonly metric: string;
  readonly value: string;
  readonly baseline?: string;
  readonly target?: string;
  readonly pass?: boolean;
  /** Raw numbers for latest.json. */
  readonly data?: Record<string, unknown>;
}

export interface BenchContext {
  readonly quick: boolean;
  readonly log: (message: string) => void;
}
