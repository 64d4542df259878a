import assert from 'node:assert/strict';
import { createServiceAccountIssuer, type ServiceAccountIssuer } from '../../src/demo/service-account.js';
import { startTokenReviewer, type TokenReviewer } from '../../src/demo/token-review.js';
import { startDevServer, type DevServer } from '../../src/devserver/index.js';
import { acceptedDifferences, DEVSERVER_DOC } from '../support/accepted-differences.js';
import { runDifferentialScenario, type Observation } from '../support/differential-scenario.js';
import { startOpenBao, type OpenBaoServer } from '../../src/demo/openbao-server.js';
import { openbaoBinary } from '../support/openbao-binary.js';
import { startTestPostgres, type PostgresCluster } from '../support/postgres.js';
import { shapeDifferences, shapeOf } from '../support/response-shape.js';

/**
 * The dev server judged against a real Vault-API server: the same script of setup, agent
 * requests and error cases against the dev server and OpenBao, answer by answer. Status codes,
 * the keys and value types of every body and the lease and token facts must agree, unless the
 * difference is listed, with its reason, in docs/devserver.md.
 */
describe('differential: the dev server answers as OpenBao does', function () {
  this.timeout(120_000);
  let issuer: ServiceAccountIssuer;
  let reviewer: TokenReviewer;
  let clusters: PostgresCluster[] = [];
  let dev: DevServer | undefined;
  let bao: OpenBaoServer | undefined;

  before(async () => {
    issuer = await createServiceAccountIssuer();
    reviewer = await startTokenReviewer({ publicKeyPem: issuer.publicKeyPem });
    clusters = await Promise.all([startTestPostgres(), startTestPostgres()]);
    [dev, bao] = await Promise.all([startDevServer({ port: 0 }), startOpenBao({ binary: openbaoBinary() })]);
  });
  after(async () => {
    await dev?.close();
    await bao?.close();
    await reviewer?.close();
    await Promise.all(clusters.map((cluster) => cluster.close()));
  });

  it('every request of the setup and the agent, and every error case: no difference but the listed ones', async () => {
    const [devAnswers, baoAnswers] = await Promise.all([
      runDifferentialScenario({ url: dev!.url, rootToken: dev!.rootToken, postgres: clusters[0]!, reviewer, issuer }),
      runDifferentialScenario({ url: bao!.url, rootToken: bao!.rootToken, postgres: clusters[1]!, reviewer, issuer }),
    ]);
    assert.deepEqual(devAnswers.map((a) => a.step), baoAnswers.map((a) => a.step), 'both ran the whole script');
    const found = devAnswers.flatMap((answer, i) => differences(answer, baoAnswers[i]!));
    const accepted = acceptedDifferences();
    const unexplained = found.filter((difference) => !accepted.some((entry) => entry.matches(difference.key)));
    assert.deepEqual(unexplained.map((d) => `${d.key}: ${d.what}`), [], `differences not listed in ${DEVSERVER_DOC}`);
    const stale = accepted.filter((entry) => !found.some((difference) => entry.matches(difference.key))).map((entry) => entry.key);
    assert.deepEqual(stale, [], `listed in ${DEVSERVER_DOC} but no longer different: remove them`);
  });
});

interface Difference {
  /** `<step> › <what>`, as listed in docs/devserver.md. */
  readonly key: string;
  readonly what: string;
}

function differences(dev: Observation, real: Observation): Difference[] {
  const at = (what: string) => `${dev.step} › ${what}`;
  if (dev.fact !== undefined || real.fact !== undefined) {
    const agree = typeof dev.fact === 'number' && typeof real.fact === 'number' ? Math.abs(dev.fact - real.fact) <= 1 : dev.fact === real.fact;
    return agree ? [] : [{ key: at('value'), what: `${dev.fact} on the dev server, ${real.fact} on OpenBao` }];
  }
  if (dev.status !== real.status) return [{ key: at('status'), what: `${dev.status} on the dev server, ${real.status} on OpenBao` }];
  const found = shapeDifferences(shapeOf(dev.body), shapeOf(real.body)).map((difference) => ({ key: at(difference.path), what: difference.what }));
  // For the error cases the words matter too: they are what the agent logs.
  const errors = (body: unknown) => JSON.stringify((body as { errors?: unknown } | null)?.errors);
  if (/^\d{3} /.test(dev.step) && errors(dev.body) !== errors(real.body)) found.push({ key: at('errors'), what: `${errors(dev.body)} on the dev server, ${errors(real.body)} on OpenBao` });
  return found;
}

describe('the differential comparison itself', () => {
  it('finds missing and extra keys, changed types, lists against objects, and reads the accepted list', () => {
    const dev = shapeOf({ a: 1, b: 'x', list: [{ k: 1 }], nested: { only: true }, gone: null });
    const real = shapeOf({ a: '1', b: 'y', list: [{ k: 1, extra: 'e' }], nested: { other: 1 }, added: [] });
    assert.deepEqual(shapeDifferences(dev, real).map((d) => `${d.path}: ${d.what}`).sort(), [
      'a: number on the dev server, string on OpenBao',
      'added: missing on the dev server',
      'gone: only on the dev server',
      'list[].extra: missing on the dev server',
      'nested.only: only on the dev server',
      'nested.other: missing on the dev server',
    ]);
    assert.deepEqual(shapeDifferences(shapeOf({ l: [] }), shapeOf({ l: [1] })), [], 'an empty list fits any list');
    assert.deepEqual(shapeDifferences(shapeOf({ l: [1] }), shapeOf({ l: { x: 1 } })).map((d) => d.path), ['l']);
    const accepted = acceptedDifferences();
    assert.ok(accepted.length > 0 && accepted.length <= 5, `${accepted.length} accepted differences: keep the list short`);
    assert.ok(accepted.some((entry) => entry.matches('kv v2 read › mount_type')));
    assert.ok(!accepted.some((entry) => entry.matches('kv v2 read › data.data')));
  });
});
