import type { AuthConfig } from '../config/index.js';
import { kubernetesAuth } from './kubernetes.js';
import { tokenFileAuth } from './token-file.js';

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
  /** The file whose change means "log in again soon", for watchers. */
  readonly credentialFile: string;
  loginPlan(signal?: AbortSignal): Promise<LoginPlan>;
}

export function createAuthMethod(config: AuthConfig): AuthMethod {
  switch (config.method) {
    case 'kubernetes':
      return kubernetesAuth(config);
    case 'token_file':
      return tokenFileAuth(config);
  }
}
