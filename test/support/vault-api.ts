/**
 * Vault's HTTP API as an operator's setup script uses it (root token, JSON bodies), for e2e
 * tests that configure engines and auth methods the way a user would before starting the agent.
 */
export interface VaultApi {
  /** POST; with `wrapTtl` the answer is response-wrapped (X-Vault-Wrap-TTL). Throws on a non-2xx answer. */
  write(path: string, body?: Record<string, unknown>, options?: { wrapTtl?: string; token?: string }): Promise<VaultAnswer>;
  /** GET; throws on a non-2xx answer. */
  read(path: string, options?: { token?: string }): Promise<VaultAnswer>;
  /** The status and body of any request, without throwing. */
  send(method: string, path: string, options?: { body?: Record<string, unknown>; token?: string; wrapTtl?: string }): Promise<{ status: number; body: VaultAnswer }>;
  /** An ACL policy in HCL, written to sys/policies/acl/<name>. */
  policy(name: string, hcl: string): Promise<void>;
}

export interface VaultAnswer {
  readonly data?: Record<string, any>;
  readonly auth?: { client_token: string; accessor: string; policies: string[] };
  readonly wrap_info?: { token: string; creation_path: string; ttl: number };
  readonly errors?: string[];
  readonly [key: string]: unknown;
}

export function vaultApi(address: string, rootToken: string): VaultApi {
  const send: VaultApi['send'] = async (method, path, options = {}) => {
    const headers: Record<string, string> = { 'X-Vault-Token': options.token ?? rootToken };
    if (options.body) headers['content-type'] = 'application/json';
    if (options.wrapTtl) headers['X-Vault-Wrap-TTL'] = options.wrapTtl;
    const response = await fetch(`${address}/v1/${path}`, { method, headers, ...(options.body ? { body: JSON.stringify(options.body) } : {}) });
    const text = await response.text();
    return { status: response.status, body: (text ? JSON.parse(text) : {}) as VaultAnswer };
  };
  const ok = async (method: string, path: string, options: Parameters<VaultApi['send']>[2]) => {
    const { status, body } = await send(method, path, options);
    if (status < 200 || status > 299) throw new Error(`${method} ${path}: ${status} ${JSON.stringify(body.errors ?? body)}`);
    return body;
  };
  return {
    send,
    write: (path, body = {}, options = {}) => ok('POST', path, { ...options, body }),
    read: (path, options = {}) => ok('GET', path, options),
    async policy(name, hcl) {
      await ok('PUT', `sys/policies/acl/${name}`, { body: { policy: hcl } });
    },
  };
}
