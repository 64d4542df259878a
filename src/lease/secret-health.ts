import type { Result } from '../metrics/recorder.js';

/** How long a secret had been failing when it recovered, for the log line that says so. */
export interface Recovery {
  readonly failedAttempts: number;
  readonly failingForMs: number;
}

/**
 * What the metrics and alerts need to know of one secret beyond its lease: when Vault last
 * answered for it (a re-read that finds the same version counts: the data is confirmed current),
 * how many attempts have failed since, and when the agent planned to act next. Alerts built on
 * these see the absence of success, so a blip that the next attempt fixes never pages.
 */
export class SecretHealth {
  private lastSuccess: number | undefined;
  private vaultFailures = 0;
  private plannedAt: number | undefined;
  private failingSince: number | undefined;
  private attempts = 0;

  /** A read or renewal from Vault ended. */
  vault(result: Result, now: number): void {
    if (result === 'success') {
      this.lastSuccess = now;
      this.vaultFailures = 0;
    } else {
      this.vaultFailures++;
    }
  }

  /** The next regular action, decided while nothing was failing. */
  planned(at: number): void {
    this.plannedAt = at;
  }

  /** Something failed (Vault or a file write): the secret is failing until recovered(). */
  failed(now: number): void {
    this.failingSince ??= now;
    this.attempts++;
  }

  /** Everything succeeded: returns how long it had been failing, or undefined if it was not. */
  recovered(now: number): Recovery | undefined {
    if (this.failingSince === undefined) return undefined;
    const recovery = { failedAttempts: this.attempts, failingForMs: now - this.failingSince };
    this.failingSince = undefined;
    this.attempts = 0;
    return recovery;
  }

  snapshot(): { lastSuccessAt?: number; consecutiveFailures: number; nextRefreshAt?: number } {
    return { lastSuccessAt: this.lastSuccess, consecutiveFailures: this.vaultFailures, nextRefreshAt: this.plannedAt };
  }
}
