import { requestsPerSecretHour, tokenRequestsPerHour } from './fleet/scenarios.js';
import type { SecretKind } from './fleet/simulation.js';
import { BenchAgent, sleep } from './lib/bench-agent.js';
import { startBenchVault } from './lib/bench-vault.js';
import { startNonRenewableProxy } from './lib/nonrenewable-proxy.js';
import type { BenchContext, Row } from './row.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
/** The real run's clock: one real second stands for SCALE seconds of the day simulated. */
const SCALE = 300;

interface Kind {
  readonly kind: SecretKind;
  readonly label: string;
  readonly timing: { kvIntervalMs?: number; leaseTtlMs?: number; leaseMaxTtlMs?: number };
  /** Dev-server paths whose requests count for this secret. */
  readonly matches: (path: string, body: unknown) => boolean;
}

const KINDS: readonly Kind[] = [
  { kind: 'kv', label: 'KV v2, refresh 5m', timing: { kvIntervalMs: 5 * MINUTE }, matches: (path) => path === 'secret/data/bench/s0' },
  { kind: 'renewable', label: 'renewable lease, TTL 1h, max 24h', timing: { leaseTtlMs: HOUR, leaseMaxTtlMs: 24 * HOUR }, matches: (path, body) => path === 'database/creds/bench-renew' || leaseOf(path, body).startsWith('database/creds/bench-renew') },
  { kind: 'nonrenewable', label: 'non-renewable lease, TTL 1h', timing: { leaseTtlMs: HOUR, leaseMaxTtlMs: HOUR }, matches: (path, body) => path === 'database/creds/bench-nr' || leaseOf(path, body).startsWith('database/creds/bench-nr') },
];

function leaseOf(path: string, body: unknown): string {
  return path === 'sys/leases/renew' ? String((body as { lease_id?: string } | undefined)?.lease_id ?? '') : '';
}

/**
 * Vault requests per secret per hour: from `nextAction` over a simulated day, and cross-checked
 * against a real agent whose TTLs are scaled down SCALE times (KV every 1 s, leases 12 s / 288 s
 * max), counting the dev server's requests; the same scaled run is simulated for comparison.
 */
export async function benchVaultLoad(context: BenchContext): Promise<Row[]> {
  const runMs = context.quick ? 24_000 : 60_000;
  const scaled = (ms: number | undefined) => (ms === undefined ? undefined : ms / SCALE);
  const vault = await startBenchVault({ kvSecrets: 1, tokenTtl: '24h', roles: [{ name: 'bench-renew', ttl: '12s', maxTtl: '288s' }, { name: 'bench-nr', ttl: '12s', maxTtl: '288s' }] });
  const proxy = await startNonRenewableProxy(vault.server.url, '/v1/database/creds/bench-nr');
  const counts: number[] = [];
  let observedMs = runMs;
  try {
    const directory = await vault.newOutputDirectory();
    const config = await vault.writeConfig({
      address: proxy.url,
      directory,
      secrets: [
        { name: 'kv', kind: 'kv2', mount: 'secret', path: 'bench/s0', file: 'kv.json', refresh_interval: '1s' },
        { name: 'renewable', kind: 'leased', path: 'database/creds/bench-renew', file: 'renewable.json' },
        { name: 'nonrenewable', kind: 'leased', path: 'database/creds/bench-nr', file: 'nonrenewable.json' },
      ],
    });
    const agent = new BenchAgent(config);
    const from = vault.server.requests.length;
    try {
      await sleep(runMs);
    } finally {
      await agent.kill();
    }
    const seen = vault.server.requests.slice(from);
    // From the agent's first request (its login) to the kill: process start-up is not scheduling.
    observedMs = Date.now() - (seen[0]?.at ?? Date.now() - runMs);
    for (const kind of KINDS) counts.push(seen.filter((r) => r.status === 200 && kind.matches(r.path, r.body)).length);
  } finally {
    await proxy.close();
    await vault.close();
  }
  const virtualHours = (observedMs * SCALE) / HOUR;
  const rows = KINDS.map((kind, index): Row => {
    const day = requestsPerSecretHour(kind.kind, kind.timing);
    const expected = requestsPerSecretHour(kind.kind, { kvIntervalMs: scaled(kind.timing.kvIntervalMs), leaseTtlMs: scaled(kind.timing.leaseTtlMs), leaseMaxTtlMs: scaled(kind.timing.leaseMaxTtlMs) }, observedMs, 500) * (observedMs / HOUR);
    const measured = counts[index]!;
    context.log(`vault load: ${kind.label}: day ${day.toFixed(2)}/h; scaled run ${measured} requests, schedule predicts ${expected.toFixed(1)}`);
    return {
      section: 'vault load',
      metric: `requests/secret/hour: ${kind.label}`,
      value: `${day.toFixed(2)}`,
      baseline: `real run ×${SCALE}: ${(measured / virtualHours).toFixed(2)}/h (${measured} vs ${expected.toFixed(1)} predicted)`,
      data: { kind: kind.kind, perHourSimulatedDay: day, realRunRequests: measured, realRunPredicted: expected, realRunVirtualHours: virtualHours, realPerHour: measured / virtualHours },
    };
  });
  const token = tokenRequestsPerHour(HOUR, 0);
  rows.push({ section: 'vault load', metric: 'agent token (per pod, any number of secrets): TTL 1h', value: `${token.toFixed(2)}/h`, data: { perHour: token } });
  return rows;
}
