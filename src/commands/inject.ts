import { parseArgs } from 'node:util';
import { ConfigError } from '../errors.js';
import { startHttpsServer, type HttpsServer } from '../inject/https-server.js';
import { createInjectorApp } from '../inject/app.js';
import { InjectorMetrics, startMetricsServer, type MetricsServer } from '../inject/metrics.js';
import { loadInjectorSettings, VAULT_K8S_MODES, type InjectorSettings } from '../inject/settings.js';
import { createLogger, describeError, type Logger } from '../log.js';

export const INJECT_USAGE = `inject --tls-cert FILE --tls-key FILE [--port 8443] [--host 0.0.0.0] [--config injector.yaml]
       [--image IMAGE] [--vault-addr URL] [--default-role ROLE] [--native-sidecar true|false]
       [--metrics-port PORT] [--vault-k8s-annotations off|alongside|instead]`;

/** How often the certificate files are re-read: cert-manager renews them in place, days before expiry. */
const CERT_RELOAD_MS = 60_000;

export interface InjectorHandle {
  readonly url: string;
  /** Set with --metrics-port: plain-HTTP /metrics. */
  readonly metricsUrl: string | undefined;
  readonly settings: InjectorSettings;
  close(): Promise<void>;
}

/** Parses the flags and starts the webhook; the caller decides how long it runs. */
export async function startInjector(args: string[], logger: Logger = createLogger('info')): Promise<InjectorHandle> {
  const { values, positionals } = parseArgs({
    args,
    options: {
      'tls-cert': { type: 'string' },
      'tls-key': { type: 'string' },
      port: { type: 'string', default: '8443' },
      host: { type: 'string', default: '0.0.0.0' },
      config: { type: 'string', short: 'c' },
      image: { type: 'string' },
      'vault-addr': { type: 'string' },
      'default-role': { type: 'string' },
      'native-sidecar': { type: 'string' },
      'metrics-port': { type: 'string' },
      'vault-k8s-annotations': { type: 'string' },
    },
    strict: true,
    allowPositionals: true,
  });
  if (positionals.length) throw new ConfigError(`inject: unexpected argument "${positionals[0]}"\nusage: vaultlet ${INJECT_USAGE}`);
  if (!values['tls-cert'] || !values['tls-key']) throw new ConfigError(`inject: --tls-cert and --tls-key are required (the API server only calls webhooks over HTTPS)\nusage: vaultlet ${INJECT_USAGE}`);
  const port = Number(values.port);
  if (!/^\d+$/.test(values.port) || port > 65535) throw new ConfigError(`inject: --port must be a port number (got "${values.port}")`);
  const native = values['native-sidecar'];
  if (native !== undefined && native !== 'true' && native !== 'false') throw new ConfigError(`inject: --native-sidecar must be true or false (got "${native}")`);
  const vaultK8s = values['vault-k8s-annotations'];
  if (vaultK8s !== undefined && !(VAULT_K8S_MODES as readonly string[]).includes(vaultK8s)) {
    throw new ConfigError(`inject: --vault-k8s-annotations must be one of ${VAULT_K8S_MODES.join(', ')} (got "${vaultK8s}")`);
  }
  const metricsPort = values['metrics-port'] === undefined ? undefined : Number(values['metrics-port']);
  if (metricsPort !== undefined && (!/^\d+$/.test(values['metrics-port']!) || metricsPort > 65535)) throw new ConfigError(`inject: --metrics-port must be a port number (got "${values['metrics-port']}")`);

  const settings = await loadInjectorSettings(values.config, {
    ...(values.image !== undefined && { image: values.image }),
    ...(values['vault-addr'] !== undefined && { vaultAddress: values['vault-addr'] }),
    ...(values['default-role'] !== undefined && { defaultRole: values['default-role'] }),
    ...(native !== undefined && { nativeSidecar: native === 'true' }),
    ...(vaultK8s !== undefined && { vaultK8sAnnotations: vaultK8s as (typeof VAULT_K8S_MODES)[number] }),
  });
  const metrics = new InjectorMetrics();
  const app = createInjectorApp(settings, logger, metrics);
  const server: HttpsServer = await startHttpsServer(app, { cert: values['tls-cert'], key: values['tls-key'] }, values.host, port);
  let metricsServer: MetricsServer | undefined;
  try {
    if (metricsPort !== undefined) metricsServer = await startMetricsServer(metrics, values.host, metricsPort);
  } catch (error) {
    await server.close();
    throw error;
  }
  const reload = setInterval(() => {
    server.reloadCertificate().then(
      (changed) => changed && logger.info('TLS certificate reloaded'),
      (error: unknown) => logger.error({ error: describeError(error) }, 'TLS certificate reload failed; serving the previous one'),
    );
  }, CERT_RELOAD_MS);
  reload.unref();
  logger.info({
    url: server.url, metrics: metricsServer?.url, image: settings.image, vault: settings.vault.address,
    native_sidecar: settings.native_sidecar, vault_k8s_annotations: settings.vault_k8s_annotations,
  }, 'vaultlet injector serving /mutate');
  return Object.freeze({
    url: server.url,
    metricsUrl: metricsServer?.url,
    settings,
    close: async () => {
      clearInterval(reload);
      await Promise.all([server.close(), metricsServer?.close()]);
    },
  });
}

/** `vaultlet inject`: runs until `stop` aborts. */
export async function runInjectCommand(args: string[], stop: AbortSignal): Promise<void> {
  const logger = createLogger('info');
  const injector = await startInjector(args, logger);
  await new Promise<void>((resolve) => {
    if (stop.aborted) resolve();
    else stop.addEventListener('abort', () => resolve(), { once: true });
  });
  await injector.close();
  logger.info('stopped');
  logger.flush();
}
