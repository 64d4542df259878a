import type { Registry } from 'prom-client';
import type {
  ActionResult, AgentRecorder, EndpointReadResult, EndpointRefusal, FileSnapshot, Result, SecretSnapshot, TokenSnapshot, VaultOperation,
} from './recorder.js';
import { createAuthMetrics, type AuthMetrics } from './auth-metrics.js';
import { createVaultRequestMetrics, type VaultRequestMetrics } from './vault-request-metrics.js';
import { createSecretEventMetrics, type SecretEventMetrics } from './secret-event-metrics.js';
import { createSecretStateMetrics } from './secret-state-metrics.js';
import { createAgentMetrics } from './agent-metrics.js';
import { createFileMetrics } from './file-metrics.js';
import { createOperationMetrics, type OperationMetrics } from './operation-metrics.js';

export interface PrometheusRecorderOptions {
  /** Injected, never prom-client's global registry. */
  registry: Registry;
  /** Read at scrape time. */
  secrets: () => Iterable<SecretSnapshot>;
  /** Read at scrape time. */
  files: () => Iterable<FileSnapshot>;
  /** Read at scrape time; undefined before the first login. */
  token: () => TokenSnapshot | undefined;
  /** Read at scrape time. */
  ready: () => boolean;
  /** Epoch ms; Date.now by default, injected by tests. */
  now?: () => number;
  version: string;
}

/** The MetricsRecorder that feeds a prom-client registry; registers every vaultlet_* metric once. */
export class PrometheusRecorder implements AgentRecorder {
  readonly #auth: AuthMetrics;
  readonly #vault: VaultRequestMetrics;
  readonly #secrets: SecretEventMetrics;
  readonly #operations: OperationMetrics;

  constructor(options: PrometheusRecorderOptions) {
    const now = options.now ?? Date.now;
    this.#auth = createAuthMetrics(options.registry, options.token, now);
    this.#vault = createVaultRequestMetrics(options.registry);
    this.#secrets = createSecretEventMetrics(options.registry);
    createSecretStateMetrics(options.registry, options.secrets, now);
    createFileMetrics(options.registry, options.files, now);
    this.#operations = createOperationMetrics(options.registry, now);
    createAgentMetrics(options.registry, options.ready, options.version);
  }

  /**
   * Zero-initialises the secret's counters so rate() works from the first scrape. The engine is
   * accepted for symmetry with SecretSnapshot; its gauges are read from secrets() at scrape time.
   */
  declareSecret(name: string, _engine: string): void {
    this.#secrets.declare(name);
  }

  loginAttempted(method: string, result: Result): void {
    this.#auth.loginAttempted(method, result);
  }

  tokenRenewed(result: Result): void {
    this.#auth.tokenRenewed(result);
  }

  vaultRequest(operation: VaultOperation, status: number, seconds: number): void {
    this.#vault.vaultRequest(operation, status, seconds);
  }

  secretRenewed(secret: string, result: Result): void {
    this.#secrets.renewed(secret, result);
  }

  secretRead(secret: string, result: Result): void {
    this.#secrets.read(secret, result);
  }

  secretRotated(secret: string, result: Result): void {
    this.#secrets.rotated(secret, result);
  }

  secretWritten(secret: string, result: Result, changed: boolean): void {
    this.#secrets.written(secret, result, changed);
  }

  actionRan(action: string, result: ActionResult, seconds: number): void {
    this.#operations.actionRan(action, result, seconds);
  }

  fileRead(file: string, result: EndpointReadResult): void {
    this.#operations.fileRead(file, result);
  }

  requestRefused(reason: EndpointRefusal): void {
    this.#operations.requestRefused(reason);
  }

  configReloaded(result: Result): void {
    this.#operations.configReloaded(result);
  }
}
