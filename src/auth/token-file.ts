import type { AuthMethod } from './method.js';
import { readCredential } from './read-credential.js';

/** A file holding a Vault token, for local use: no login, the token is looked up and renewed. */
export function tokenFileAuth(config: { path: string }): AuthMethod {
  return {
    name: 'token_file',
    reloginOnChange: true,
    credentialFile: config.path,
    async loginPlan(signal) {
      return { kind: 'token', token: await readCredential(config.path, 'Vault token file', signal) };
    },
  };
}
