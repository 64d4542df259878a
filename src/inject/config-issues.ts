import type { InjectionRequest } from './annotations.js';
import { annotationFor, PREFIX, type PerFileKey } from './file-annotations.js';

/**
 * The agent's parser names problems by config key (`secrets[2].on_change[0].http: …`); the pod's
 * author wrote annotations. Each line is put back in their words: `secrets[i]` is the i-th
 * requested secret, and each key came from one annotation.
 */

const SECRET_KEYS: Readonly<Record<string, PerFileKey>> = {
  template: 'template',
  mode: 'file-mode',
  on_change: 'on-change',
  format: 'format',
  field: 'field',
  env_prefix: 'env-prefix',
  kind: 'kind',
};

const AUTH_KEYS: Readonly<Record<string, string>> = { role: 'role', audience: 'auth-audience', method: 'auth-method' };

export function annotationIssues(issues: readonly string[], request: InjectionRequest): string[] {
  return issues.map((issue) => annotationIssue(issue, request));
}

function annotationIssue(issue: string, request: InjectionRequest): string {
  const secret = /^secrets\[(\d+)\](?:\.([a-z_]+))?(?:\[(\d+)\])?(?:\.[\w.[\]]+)?: (.*)$/s.exec(issue);
  if (secret) {
    const [, index, key = '', item, problem] = secret;
    const requested = request.secrets[Number(index)];
    if (requested) {
      // Path, mount, role and params all come from the secret's own annotation (its mount was checked there).
      const annotation = SECRET_KEYS[key] ?? 'secret';
      // An action's own key (`.http`) adds nothing the message does not say; its number does.
      const where = key === 'on_change' && item !== undefined ? `action ${Number(item) + 1}: ` : '';
      // "also written by secrets[3]" names another annotation too.
      const named = problem!.replace(/secrets\[(\d+)\]/g, (whole, other: string) => {
        const file = request.secrets[Number(other)]?.file;
        return file === undefined ? whole : annotationFor('secret', file);
      });
      return `${annotationFor(annotation, requested.file)}: ${where}${named}`;
    }
  }
  const auth = /^auth\.([a-z_]+): (.*)$/s.exec(issue);
  if (auth && AUTH_KEYS[auth[1]!]) return `${PREFIX}${AUTH_KEYS[auth[1]!]}: ${auth[2]}`;
  return `generated config ${issue}`;
}
