import { stringify } from 'yaml';

/** The sample config the demo runs with; also a readable example of every core option. */
export function demoConfigYaml(options: { vaultAddress: string; tokenPath: string; directory: string; port: number; kvRefresh?: string; logLevel?: string }): string {
  return stringify({
    vault: { address: options.vaultAddress, request_timeout: '10s', retry_cap: '5s' },
    auth: { method: 'kubernetes', mount: 'kubernetes', role: 'demo', token_path: options.tokenPath },
    output: { directory: options.directory, mode: '0400' },
    secrets: [
      { name: 'db', kind: 'leased', path: 'database/creds/demo', file: 'db.json', format: 'json' },
      { name: 'app-config', kind: 'kv2', mount: 'secret', path: 'demo/config', file: 'config.env', format: 'env', refresh_interval: options.kvRefresh ?? '15s' },
    ],
    listen: { host: '127.0.0.1', port: options.port },
    shutdown: { revoke: true, grace_period: '5s' },
    log: { level: options.logLevel ?? 'info' },
  });
}
