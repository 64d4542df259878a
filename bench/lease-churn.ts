import { stat } from 'node:fs/promises';
import { BenchAgent, sleep } from './lib/bench-agent.js';
import { startBenchVault, type BenchVaultOptions } from './lib/bench-vault.js';
import type { BenchContext, Row } from './row.js';

const LEASED = (role: string) => [
  { name: 'db-a', kind: 'leased', path: `database/creds/${role}`, file: 'db-a.json' },
  { name: 'db-b', kind: 'leased', path: `database/creds/${role}`, file: 'db-b.json' },
  { name: 'kv', kind: 'kv2', mount: 'secret', path: 'bench/s0', file: 'kv.json', refresh_interval: '5m' },
];

/** New leases (database credentials) Vault had to create because of an agent restart or a token change. */
export async function benchLeaseChurn(context: BenchContext): Promise<Row[]> {
  return [await restarts(context), ...(await tokenChanges(context))];
}

/** SIGKILL and restart, `n` times: the state file should let every restart adopt the leases. */
async function restarts(context: BenchContext): Promise<Row> {
  const n = context.quick ? 2 : 5;
  const vault = await startBenchVault({ kvSecrets: 1, roles: [{ name: 'bench-renew', ttl: '1h', maxTtl: '24h' }] });
  try {
    const directory = await vault.newOutputDirectory();
    const config = await vault.writeConfig({ directory, secrets: LEASED('bench-renew') });
    let agent = new BenchAgent(config);
    await agent.readyAfter(3);
    await waitForFile(`${directory}-state/state.json`);
    await sleep(500);
    await agent.kill('SIGKILL');
    const before = { leases: vault.server.leasesIssued('database/creds/bench-renew'), logins: logins(vault.server.requests) };
    for (let i = 0; i < n; i++) {
      agent = new BenchAgent(config);
      await agent.readyAfter(2, 'adopted the lease of a previous run');
      await agent.kill('SIGKILL');
    }
    const leases = vault.server.leasesIssued('database/creds/bench-renew') - before.leases;
    const newLogins = logins(vault.server.requests) - before.logins;
    context.log(`restarts: ${n} SIGKILL restarts → ${leases} new leases, ${newLogins} logins`);
    return {
      section: 'churn',
      metric: `new leases per agent restart (SIGKILL, ${n} restarts, 2 leases)`,
      value: `${(leases / n).toFixed(2)}`,
      baseline: `${newLogins} logins in ${n} restarts`,
      target: '0',
      pass: leases === 0,
      data: { restarts: n, newLeases: leases, logins: newLogins },
    };
  } finally {
    await vault.close();
  }
}

/**
 * A token that reaches its max TTL forces a re-login, and Vault revokes every lease when the
 * token that created it expires, so each lease must be replaced under the new token. With a
 * periodic token (no max TTL) there is no forced re-login and no lease moves.
 */
async function tokenChanges(context: BenchContext): Promise<Row[]> {
  const runMs = context.quick ? 14_000 : 20_000;
  const cases: Array<{ label: string; vault: BenchVaultOptions }> = [
    { label: 'token max TTL 6s (TTL 2s)', vault: { tokenTtl: '2s', tokenMaxTtl: '6s' } },
    { label: 'periodic token (period 4s)', vault: { tokenPeriod: '4s' } },
  ];
  const rows: Row[] = [];
  for (const each of cases) {
    const vault = await startBenchVault({ ...each.vault, kvSecrets: 1, roles: [{ name: 'bench-renew', ttl: '60s', maxTtl: '10m' }] });
    try {
      const directory = await vault.newOutputDirectory();
      const config = await vault.writeConfig({ directory, secrets: LEASED('bench-renew') });
      const agent = new BenchAgent(config);
      await agent.readyAfter(3);
      const before = { leases: vault.server.leasesIssued('database/creds/bench-renew'), logins: logins(vault.server.requests) };
      await sleep(runMs);
      const ready = await fetch(`${agent.url}/readyz`).then((r) => r.status);
      await agent.kill();
      const leases = vault.server.leasesIssued('database/creds/bench-renew') - before.leases;
      const relogins = logins(vault.server.requests) - before.logins;
      const refused = vault.server.requests.filter((r) => r.path === 'sys/leases/renew' && r.status !== 200).length;
      context.log(`token change, ${each.label}: ${relogins} re-logins, ${leases} new leases, ${refused} refused renewals, /readyz ${ready}`);
      rows.push({
        section: 'churn',
        metric: `new leases per token change: ${each.label}`,
        value: relogins > 0 ? `${(leases / relogins).toFixed(2)} per re-login (2 leases held)` : `${leases} (no re-login in ${runMs / 1000} s)`,
        baseline: `${relogins} re-logins, ${leases} new leases in ${runMs / 1000} s`,
        target: '0',
        pass: leases === 0,
        data: { runSeconds: runMs / 1000, relogins, newLeases: leases, refusedRenewals: refused, readyAtEnd: ready },
      });
    } finally {
      await vault.close();
    }
  }
  return rows;
}

function logins(requests: ReadonlyArray<{ path: string; status: number }>): number {
  return requests.filter((r) => r.path === 'auth/kubernetes/login' && r.status === 200).length;
}

async function waitForFile(path: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (await stat(path).then(() => true, () => false)) return;
    await sleep(50);
  }
  throw new Error(`${path} never appeared`);
}
