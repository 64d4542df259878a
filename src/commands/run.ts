import { Agent } from '../agent.js';
import type { ConfigSource, LoadedConfig } from './config-source.js';
import { ConfigReloader } from './config-reloader.js';
import type { RequestListener } from 'node:http';
import { answerProbe } from '../http/probes.js';
import type { StopSignals } from './stop-signals.js';
import { startHttpServer, type HttpServer } from '../http/server.js';
import { createLogger, describeError } from '../log.js';
import { PrometheusRecorder } from '../metrics/prometheus-recorder.js';
import { createRegistry } from '../metrics/registry.js';
import { VERSION } from '../version.js';

/**
 * `vaultlet run`: the long-lived sidecar. Resolves when a stop signal has been handled; rejects
 * when the agent cannot start (unwritable output directory, listen port taken).
 */
export async function runAgent(loaded: LoadedConfig, source: ConfigSource, stops: StopSignals): Promise<void> {
  const { config, templates } = loaded;
  const logger = createLogger(config.log.level);
  const stop = stops.claim();
  stops.onEvent(({ kind, signal }) => {
    if (kind === 'repeated') logger.warn({ signal }, 'already stopping (revoking within the grace period); a third signal, or SIGINT twice, stops at once');
    if (kind === 'force') logger.warn({ signal }, 'stopping at once: nothing more is revoked; the state file stays as last saved');
    if (kind === 'force') logger.flush();
  });
  const registry = createRegistry();
  let agent: Agent | undefined;
  const recorder = new PrometheusRecorder({
    registry,
    version: VERSION,
    secrets: () => agent?.snapshots() ?? [],
    files: () => agent?.fileSnapshots() ?? [],
    token: () => agent?.tokenSnapshot(),
    ready: () => agent?.readiness().ready ?? false,
  });
  agent = new Agent({ config, templates, logger, recorder });
  for (const secret of config.secrets) recorder.declareSecret(secret.name, secret.kind);

  let server: HttpServer | undefined;
  let reloader: ConfigReloader | undefined;
  const reloads = new AbortController();
  try {
    if (config.listen) {
      // The port is bound at once and the probes answered on node:http (http/probes.ts); express
      // loads on the first other request (a scrape, the status page), off the start.
      let app: Promise<RequestListener> | undefined;
      const loadApp = (): Promise<RequestListener> => {
        if (!app) {
          app = import('../http/app.js').then(({ createHttpApp }) =>
            createHttpApp({ registry, readiness: () => agent.readiness(), status: () => agent.status() }),
          );
          // The server answers 500 to every request then; the log says why, once.
          void app.catch((error: unknown) => logger.error({ error: describeError(error) }, 'the HTTP endpoints could not be loaded'));
        }
        return app;
      };
      const probesFirst: RequestListener = (request, response) => {
        try {
          if (answerProbe(request, response, () => agent.readiness())) return;
        } catch {
          // the app answers a failing probe with its bare 500
        }
        loadApp().then((handle) => handle(request, response), () => {
          response.statusCode = 500;
          response.end();
        });
      };
      server = await startHttpServer(probesFirst, config.listen.host, config.listen.port);
      logger.info({ url: server.url }, 'serving /healthz, /readyz and /metrics');
    }
    await agent.start();
    reloader = new ConfigReloader({ source, agent, recorder, logger, signal: reloads.signal });
    await reloader.start();
    stops.stopIgnoringHangup();
    logger.info({ version: VERSION, secrets: config.secrets.length, directory: config.output.directory }, 'vaultlet started');
  } catch (error) {
    reloads.abort();
    await reloader?.close();
    await agent.close({ revoke: false, gracePeriodMs: 0 });
    await server?.close();
    throw error;
  }

  await new Promise<void>((resolve) => {
    if (stop.aborted) resolve();
    else stop.addEventListener('abort', () => resolve(), { once: true });
  });
  reloads.abort();
  await reloader?.close();
  logger.info({ revoke: config.shutdown.revoke, grace_seconds: config.shutdown.gracePeriodMs / 1000 }, 'stopping');
  try {
    await agent.close(config.shutdown);
  } catch (error) {
    logger.error({ error: describeError(error) }, 'shutdown failed');
  }
  await server?.close();
  logger.info('stopped');
  logger.flush();
}
