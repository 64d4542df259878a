import { readFile, rm } from 'node:fs/promises';
import { AuthError } from '../errors.js';
import type { AuthMethod } from './method.js';
import { readCredential } from './read-credential.js';
import { ContentMemo, unwrapFileToken, type Unwrapper, type WrappedFileSpec } from './unwrap.js';

export interface ApproleAuthConfig {
  readonly mount: string;
  readonly roleIdFile: string;
  /** Absent for roles with bind_secret_id=false. */
  readonly secretIdFile?: string;
  /** The secret_id file holds a response-wrapping token around `role/<name>/secret-id`. */
  readonly secretIdWrapped: boolean;
  /** Vault Agent's remove_secret_id_file_after_reading: the secret_id then lives in memory only. */
  readonly removeSecretIdFile: boolean;
  /**
   * Vault Agent's secret_id_response_wrapping_path: the exact creation path the wrapping token
   * must show. Default: any role's secret-id or custom-secret-id under this mount.
   */
  readonly secretIdWrappingPath?: string;
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

function wrappingSpec(config: ApproleAuthConfig, file: string): WrappedFileSpec {
  if (config.secretIdWrappingPath) {
    return { file, creationPath: new RegExp(`^${escapeRegExp(config.secretIdWrappingPath)}$`), expected: `"${config.secretIdWrappingPath}"` };
  }
  const mount = escapeRegExp(config.mount);
  return { file, creationPath: new RegExp(`^auth/${mount}/role/[^/]+/(custom-)?secret-id$`), expected: `auth/${config.mount}/role/<role>/secret-id` };
}

async function missingOrBlank(file: string): Promise<boolean> {
  try {
    return (await readFile(file, 'utf8')).trim() === '';
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ENOENT';
  }
}

/**
 * Vault's AppRole auth: POST auth/<mount>/login with the role_id and secret_id, both read from
 * files at every login. A wrapped secret_id is unwrapped once and kept in memory: the next login
 * reuses it unless the file now holds a different wrapping token.
 */
export function approleAuth(config: ApproleAuthConfig, deps: { unwrap: Unwrapper }): AuthMethod {
  const secretIdFile = config.secretIdFile;
  const spec = secretIdFile ? wrappingSpec(config, secretIdFile) : undefined;
  const secretIds = new ContentMemo(async (content, signal) => {
    if (!config.secretIdWrapped || !spec) return content;
    const response = await unwrapFileToken(deps.unwrap, content, spec, signal);
    const secretId = response.data?.['secret_id'];
    if (typeof secretId !== 'string' || !secretId) {
      throw new AuthError(`the wrapping token in ${spec.file} wrapped an answer without a secret_id; wrap a response of ${spec.expected}`);
    }
    return secretId;
  });
  const what = config.secretIdWrapped ? 'AppRole wrapped secret_id file' : 'AppRole secret_id file';

  async function secretId(file: string, signal?: AbortSignal): Promise<string> {
    let content: string;
    try {
      content = await readCredential(file, what, signal);
    } catch (error) {
      // Removed after reading (or emptied): the secret_id read before is still the one to use.
      const kept = secretIds.latest();
      if (kept && (await missingOrBlank(file))) return kept;
      throw error;
    }
    const value = await secretIds.value(content, signal);
    if (config.removeSecretIdFile) {
      // As Vault Agent does, a file that cannot be removed is not a reason to refuse the login.
      await rm(file, { force: true }).catch(() => undefined);
    }
    return value;
  }

  return {
    name: 'approle',
    reloginOnChange: false,
    credentialFile: secretIdFile ?? config.roleIdFile,
    async loginPlan(signal) {
      const roleId = await readCredential(config.roleIdFile, 'AppRole role_id file', signal);
      const body: Record<string, unknown> = { role_id: roleId };
      if (secretIdFile) body['secret_id'] = await secretId(secretIdFile, signal);
      return { kind: 'login', path: `auth/${config.mount}/login`, body };
    },
  };
}
