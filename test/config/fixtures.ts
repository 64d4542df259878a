/** Config texts shared by the config tests. */

export const FULL_YAML = `
vault:
  address: https://vault.example:8200
  namespace: team-a
  ca_cert: /etc/vault/ca.pem
  ca_path: /etc/vault/cas/
  client_cert: /etc/vault/tls.crt
  client_key: /etc/vault/tls.key
  tls_skip_verify: true
  max_retries: 5
  request_timeout: 1m
  retry_cap: 1h30m
auth:
  method: kubernetes
  mount: k8s-prod
  role: my-app
  token_path: /var/run/secrets/tokens/vault
output:
  directory: /vault/secrets
  mode: "0440"
  uid: 1000
  gid: 2000
secrets:
  - name: db
    kind: leased
    path: database/creds/app
    method: POST
    params: { ttl: 1h }
    file: db-password
    format: raw
    field: password
    mode: 0400
  - name: app-config
    kind: kv2
    mount: kv
    path: myapp/config
    version: 3
    refresh_interval: 90
    format: env
    env_prefix: APP_
  - name: aws
    kind: leased
    path: aws/creds/deploy
    params: {}
listen:
  host: 127.0.0.1
  port: 9000
state:
  file: /run/vaultlet/state.json
shutdown:
  revoke: false
  grace_period: 10s
log:
  level: debug
`;

export const MINIMAL_YAML = `
auth: { method: token_file, path: /home/me/.vault-token }
output: { directory: /vault/secrets }
secrets:
  - { name: app, kind: kv2, path: myapp/config }
`;

/** A valid document to which a test appends or replaces keys; kept as data so rows can tweak one key. */
export function minimalDocument(): Record<string, any> {
  return {
    auth: { method: 'kubernetes', role: 'my-app' },
    output: { directory: '/vault/secrets' },
    secrets: [{ name: 'db', kind: 'leased', path: 'database/creds/app' }],
  };
}
