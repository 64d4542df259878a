import { performance } from 'node:perf_hooks';
import { BenchAgent, sleep } from './lib/bench-agent.js';
import { startBenchVault, type BenchVault } from './lib/bench-vault.js';
import { median, memoryOf, MiB, peakRssKiB } from './lib/proc.js';
import type { BenchContext, Row } from './row.js';

/** The reference count and the counts measured against it (half KV v2, half database leases). */
const REFERENCE = 1000;
const COUNTS = [REFERENCE, 2000, 5000, 10_000] as const;
const QUICK_COUNTS = [REFERENCE, 2000, 5000] as const;
/** Time to ready may grow at most this much faster than the count (10,000 ≤ 12× 1,000). */
const LINEAR_SLACK = 1.2;
const PEAK_RSS_TARGET_MIB = 128;
const GRACE_PERIOD_MS = 5_000;
/** Short enough that the agent renews its token several times while it fetches 10,000 secrets. */
const TOKEN_TTL = '10s';

interface Run {
  readonly secrets: number;
  readonly readyMs: number;
  readonly peakRssKiB: number;
  readonly settledRssKiB: number;
  readonly failedRequests: number;
  readonly logins: number;
  readonly denied: number;
  readonly tokenRenewals: number;
  readonly shutdownMs: number;
  readonly exitCode: number | null;
}

/**
 * Many secrets in one agent, run as the image runs it: half KV v2 secrets, half database leases
 * (each its own lease), a token with a 10 s TTL that must be renewed while they are fetched.
 * Time to ready (all files written, /readyz 200) must grow linearly; peak RSS (VmHWM) must stay
 * under the injector's 128Mi limit; a healthy loopback Vault must see no failed or timed-out
 * request, no 403 and one login; SIGTERM (revoking) must end within the grace period.
 */
export async function benchScale(context: BenchContext): Promise<Row[]> {
  const counts = context.quick ? QUICK_COUNTS : COUNTS;
  const repeats = context.quick ? 1 : 2;
  const largest = Math.max(...counts);
  const vault = await startBenchVault({ kvSecrets: largest / 2, tokenTtl: TOKEN_TTL, roles: [{ name: 'bench-scale', ttl: '1h', maxTtl: '24h' }] });
  const runs = new Map<number, Run[]>();
  try {
    for (let repeat = 0; repeat < repeats; repeat++) {
      for (const count of counts) {
        const run = await measure(vault, count, context);
        runs.set(count, [...(runs.get(count) ?? []), run]);
      }
    }
  } finally {
    await vault.close();
  }
  const typical = (count: number) => {
    const all = runs.get(count)!;
    const ready = median(all.map((run) => run.readyMs));
    return { ...all.reduce((worst, run) => (run.peakRssKiB > worst.peakRssKiB ? run : worst)), readyMs: ready };
  };
  const reference = typical(REFERENCE);
  return counts.map((count) => row(count, typical(count), reference, runs.get(count)!));
}

async function measure(vault: BenchVault, count: number, context: BenchContext): Promise<Run> {
  const directory = await vault.newOutputDirectory();
  const secrets = Array.from({ length: count }, (_, i) =>
    i % 2 === 0
      ? { name: `kv${i / 2}`, kind: 'kv2', mount: 'secret', path: `bench/s${i / 2}`, file: `kv${i / 2}.json`, refresh_interval: '1h' }
      : { name: `db${(i - 1) / 2}`, kind: 'leased', path: 'database/creds/bench-scale', file: `db${(i - 1) / 2}.json` },
  );
  const config = await vault.writeConfig({ directory, secrets, shutdown: { revoke: true, grace_period: `${GRACE_PERIOD_MS / 1000}s` } });
  const from = vault.server.requests.length;
  const agent = new BenchAgent(config);
  try {
    const readyMs = await agent.readyAfter(count, 'secret written', 600_000);
    await sleep(3_000);
    const settledRssKiB = memoryOf(agent.pid).rssKiB;
    // A pod is scraped: the peak counts one scrape of all its metrics.
    const failures = await failedRequests(agent.url!);
    await sleep(500);
    const peak = peakRssKiB(agent.pid);
    const seen = vault.server.requests.slice(from);
    const stopping = performance.now();
    agent.child.kill('SIGTERM');
    const exitCode = await agent.exited;
    const shutdownMs = performance.now() - stopping;
    const run: Run = {
      secrets: count,
      readyMs,
      peakRssKiB: peak,
      settledRssKiB,
      failedRequests: failures.failed,
      logins: seen.filter((r) => r.path === 'auth/kubernetes/login').length,
      denied: seen.filter((r) => r.status === 403).length,
      tokenRenewals: seen.filter((r) => r.path === 'auth/token/renew-self' && r.status === 200).length,
      shutdownMs,
      exitCode,
    };
    context.log(
      `scale: ${count} secrets ready in ${(readyMs / 1000).toFixed(1)} s; peak ${mib(run.peakRssKiB)} MiB, settled ${mib(run.settledRssKiB)} MiB; ` +
        `${run.failedRequests} failed requests, ${run.logins} logins, ${run.denied} × 403, ${run.tokenRenewals} token renewals; ` +
        `SIGTERM → exit ${exitCode} in ${shutdownMs.toFixed(0)} ms`,
    );
    return run;
  } finally {
    await agent.kill();
  }
}

/** Requests the agent counted as failed: no HTTP answer (a timeout, a reset), 429 or 5xx. */
async function failedRequests(url: string): Promise<{ failed: number }> {
  const text = await (await fetch(`${url}/metrics`)).text();
  let failed = 0;
  for (const line of text.split('\n')) {
    const match = /^vaultlet_vault_requests_total\{[^}]*status="(error|5\d\d|429)"[^}]*\} (\d+)/.exec(line);
    if (match) failed += Number(match[2]);
  }
  return { failed };
}

function row(count: number, run: Run, reference: Run, all: readonly Run[]): Row {
  const ratio = run.readyMs / reference.readyMs;
  const allowed = (count / REFERENCE) * LINEAR_SLACK;
  const linear = count === REFERENCE || ratio <= allowed;
  const memory = run.peakRssKiB <= PEAK_RSS_TARGET_MIB * MiB;
  const healthy = all.every((each) => each.failedRequests === 0 && each.denied === 0 && each.logins === 1);
  const shutdown = all.every((each) => each.exitCode === 0 && each.shutdownMs <= GRACE_PERIOD_MS);
  const targets = [count === REFERENCE ? '' : `≤ ${allowed.toFixed(1)}× the ${REFERENCE.toLocaleString('en')} figure`, `peak ≤ ${PEAK_RSS_TARGET_MIB} MiB`, '0 failed requests, 0 × 403, 1 login', `SIGTERM ≤ ${GRACE_PERIOD_MS / 1000} s`].filter(Boolean);
  return {
    section: 'scale',
    metric: `${count.toLocaleString('en')} secrets (half KV v2, half leases): time to ready; peak / settled RSS; shutdown`,
    value: `${(run.readyMs / 1000).toFixed(1)} s (${ratio.toFixed(1)}×); ${mib(run.peakRssKiB)} / ${mib(run.settledRssKiB)} MiB; ${(run.shutdownMs / 1000).toFixed(1)} s`,
    baseline: `${REFERENCE.toLocaleString('en')} secrets: ${(reference.readyMs / 1000).toFixed(1)} s; ${sum(all, 'failedRequests')} failed requests, ${sum(all, 'denied')} × 403, ${sum(all, 'logins')} logins, ${sum(all, 'tokenRenewals')} token renewals in ${all.length} run${all.length === 1 ? '' : 's'}`,
    target: targets.join('; '),
    pass: linear && memory && healthy && shutdown,
    data: { secrets: count, referenceSecrets: REFERENCE, readyMs: run.readyMs, referenceReadyMs: reference.readyMs, ratio, allowedRatio: allowed, runs: all },
  };
}

const sum = (runs: readonly Run[], key: 'failedRequests' | 'denied' | 'logins' | 'tokenRenewals') => runs.reduce((total, run) => total + run[key], 0);
const mib = (kib: number) => (kib / MiB).toFixed(1);
