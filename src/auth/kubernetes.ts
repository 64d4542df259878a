import type { AuthMethod } from './method.js';
import { readCredential } from './read-credential.js';

/** Vault's Kubernetes auth: POST auth/<mount>/login with the role and the service account JWT. */
export function kubernetesAuth(config: { mount: string; role: string; tokenPath: string }): AuthMethod {
  return {
    name: 'kubernetes',
    reloginOnChange: false,
    credentialFile: config.tokenPath,
    async loginPlan(signal) {
      const jwt = await readCredential(config.tokenPath, 'service account token', signal);
      return { kind: 'login', path: `auth/${config.mount}/login`, body: { role: config.role, jwt } };
    },
  };
}
