import { stringify } from 'yaml';

/** The sample config the demo runs with; also a readable example of every core option. */
export function demoConfigYaml(options: { vaultAddress: string; tokenPath: string; directory: string; stateFile: string; port: number; kvRefresh?: string; logLevel?: string }): string {
  return stringify({
    vault: { address: options.vaultAddress, request_timeout: '10s', retry_cap: '5s' },
    auth: { method: 'kubernetes', mount: 'kubernetes', role: 'demo', token_path: options.tokenPath },
    output: { directory: options.directory, mode: '0400' },
    secrets: [
      { name: 'db', kind: 'leased', path: 'database/creds/demo', file: 'db.json', format: 'json' },
      { name: 'app-config', kind: 'kv2', mount: 'secret', path: 'demo/config', file: 'config.env', format: 'env', refresh_interval: options.kvRefresh ?? '15s' },
      // tls.crt, tls.key and tls-ca.crt, replaced at about half of the certificate's life.
      { name: 'tls', kind: 'pki', role: 'demo', params: { common_name: 'demo-app.default.svc' }, rotate_fraction: 0.5 },
    ],
    // One file from two secrets.
    templates: [
      {
        file: 'app.conf',
        secrets: ['db', 'app-config'],
        template: [
          '# written by vaultlet from the database lease and the KV secret',
          'database_url = postgres://{{secrets.db.data.username}}:{{secrets.db.data.password}}@db:5432/app',
          'config_version = {{secrets.[app-config].lease.version}}',
          'api_url = {{secrets.[app-config].data.api_url}}',
          '',
        ].join('\n'),
      },
    ],
    listen: { host: '127.0.0.1', port: options.port },
    // The token and leases, kept for a restart where the app cannot read them (not in the output directory).
    state: { file: options.stateFile },
    shutdown: { revoke: true, grace_period: '5s' },
    log: { level: options.logLevel ?? 'info' },
  });
}
