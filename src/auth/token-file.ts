import { AuthError, ConfigError } from '../errors.js';
import type { AuthMethod } from './method.js';
import { readCredential } from './read-credential.js';
import { ContentMemo, unwrapFileToken, type Unwrapper, type WrappedFileSpec } from './unwrap.js';

/**
 * A file holding a Vault token, for local use: no login, the token is looked up and renewed.
 * With `wrapped`, the file holds a response-wrapping token around a token create or a login
 * (`vault token create -wrap-ttl=…`): it is unwrapped once and the token inside is used, until
 * the file holds another wrapping token.
 */
export function tokenFileAuth(config: { path: string; wrapped?: boolean }, deps?: { unwrap: Unwrapper }): AuthMethod {
  const what = config.wrapped ? 'wrapped Vault token file' : 'Vault token file';
  let tokenOf = async (content: string, _signal?: AbortSignal): Promise<string> => content;
  if (config.wrapped) {
    const unwrap = deps?.unwrap;
    if (!unwrap) throw new ConfigError('auth.wrapped: the token file method was built without a Vault client to unwrap with');
    // Only auth paths mint tokens; anything else wrapped data someone chose.
    const spec: WrappedFileSpec = { file: config.path, creationPath: /^auth\/.+/, expected: 'an auth/… path (a token create or a login)' };
    const memo = new ContentMemo(async (wrappingToken, signal) => {
      const response = await unwrapFileToken(unwrap, wrappingToken, spec, signal);
      const token = response.auth?.client_token;
      if (!token) throw new AuthError(`the wrapping token in ${config.path} wrapped an answer without auth.client_token; wrap a token create or a login`);
      return token;
    });
    tokenOf = (content, signal) => memo.value(content, signal);
  }
  return {
    name: 'token_file',
    reloginOnChange: true,
    credentialFile: config.path,
    async loginPlan(signal) {
      const content = await readCredential(config.path, what, signal);
      return { kind: 'token', token: await tokenOf(content, signal) };
    },
  };
}
