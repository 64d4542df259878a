import type { AuthConfig } from '../config/index.js';
import type { VaultClient } from '../vault/client.js';
import { approleAuth } from './approle.js';
import { jwtAuth } from './jwt.js';
import { kubernetesAuth } from './kubernetes.js';
import { tokenFileAuth } from './token-file.js';
import { unwrapWith } from './unwrap.js';

/**
 * An auth method only says how to obtain a token; the auth handler does the HTTP, backoff,
 * renewal and metrics (Vault Agent's split). Credential files are read afresh on every call so
 * a rotated service account token is picked up at the next login.
 */
export type LoginPlan =
  | { readonly kind: 'login'; readonly path: string; readonly body: Record<string, unknown> }
  | { readonly kind: 'token'; readonly token: string };

export interface AuthMethod {
  readonly name: string;
  /** The credential file, watched for rotation. */
  readonly credentialFile: string;
  /**
   * Whether a change of that file should replace the current token at once: yes for a token
   * file (it holds the token itself), no for a service account JWT (used at the next login).
   */
  readonly reloginOnChange: boolean;
  loginPlan(signal?: AbortSignal): Promise<LoginPlan>;
}

/** `vault` is used only to unwrap response-wrapped bootstrap credentials. */
export function createAuthMethod(config: AuthConfig, vault: VaultClient): AuthMethod {
  switch (config.method) {
    case 'kubernetes':
      return kubernetesAuth(config);
    case 'jwt':
      return jwtAuth(config);
    case 'approle':
      return approleAuth(config, { unwrap: unwrapWith(vault) });
    case 'token_file':
      return tokenFileAuth(config, { unwrap: unwrapWith(vault) });
  }
}
