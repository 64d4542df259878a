import { parseArgs } from 'node:util';
import { ConfigError } from '../errors.js';
import { startHttpsServer, type HttpsServer } from '../inject/https-server.js';
import { createInjectorApp } from '../inject/app.js';
import { loadInjectorSettings, type InjectorSettings } from '../inject/settings.js';
import { createLogger, describeError, type Logger } from '../log.js';

export const INJECT_USAGE = `inject --tls-cert FILE --tls-key FILE [--port 8443] [--host 0.0.0.0] [--config injector.yaml]
       [--image IMAGE] [--vault-addr URL] [--default-role ROLE] [--native-sidecar true|false]`;

/** How often the certificate files are re-read: cert-manager renews them in place, days before expiry. */
const CERT_RELOAD_MS = 60_000;

export interface InjectorHandle {
  readonly url: string;
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

  const settings = await loadInjectorSettings(values.config, {
    ...(values.image !== undefined && { image: values.image }),
    ...(values['vault-addr'] !== undefined && { vaultAddress: values['vault-addr'] }),
    ...(values['default-role'] !== undefined && { defaultRole: values['default-role'] }),
    ...(native !== undefined && { nativeSidecar: native === 'true' }),
  });
  const app = createInjectorApp(settings, logger);
  const server: HttpsServer = await startHttpsServer(app, { cert: values['tls-cert'], key: values['tls-key'] }, values.host, port);
  const reload = setInterval(() => {
    server.reloadCertificate().then(
      (changed) => changed && logger.info('TLS certificate reloaded'),
      (error: unknown) => logger.error({ error: describeError(error) }, 'TLS certificate reload failed; serving the previous one'),
    );
  }, CERT_RELOAD_MS);
  reload.unref();
  logger.info({ url: server.url, image: settings.image, vault: settings.vault.address, native_sidecar: settings.native_sidecar }, 'vaultlet injector serving /mutate');
  return Object.freeze({
    url: server.url,
    settings,
    close: () => {
      clearInterval(reload);
      return server.close();
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
