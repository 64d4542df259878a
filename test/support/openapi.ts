import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The Vault 1.15 OpenAPI document shipped beside the repository (never copied into it). */
export const OPENAPI_PATH = process.env.VAULT_OPENAPI ?? fileURLToPath(new URL('../../../../shared/vault-openapi.json', import.meta.url));

interface Schema {
  type?: string;
  format?: string;
  properties?: Record<string, Schema>;
  additionalProperties?: unknown;
  $ref?: string;
  items?: Schema;
}
interface Operation {
  requestBody?: { content?: Record<string, { schema?: Schema }> };
}
type PathItem = Record<string, unknown> & { parameters?: Array<{ name: string; schema?: { default?: string } }> };
interface OpenApi {
  paths: Record<string, PathItem>;
  components: { schemas: Record<string, Schema> };
}

export function loadOpenApi(): OpenApi | undefined {
  return existsSync(OPENAPI_PATH) ? (JSON.parse(readFileSync(OPENAPI_PATH, 'utf8')) as OpenApi) : undefined;
}

/**
 * Vault hands every database/config field it does not know to the plugin (connection_url,
 * username, password…), so its schema lists only its own.
 */
const PLUGIN_PASS_THROUGH = new Set(['/{database_mount_path}/config/{name}']);

/** The dev server's mounts: path → engine, as named in the OpenAPI mount parameters. */
export const DEV_MOUNTS: Record<string, string> = {
  secret: 'kv_v2', kv: 'kv_v1', database: 'database', pki: 'pki', 'auth/kubernetes': 'kubernetes', 'auth/jwt': 'jwt', 'auth/approle': 'approle',
};

interface Template {
  readonly template: string;
  readonly regex: RegExp;
  readonly params: string[];
  readonly item: PathItem;
}

/** Checks one request against the document; returns problems (empty when it conforms). */
export class OpenApiChecker {
  private readonly templates: Template[];

  constructor(private readonly doc: OpenApi) {
    this.templates = Object.entries(doc.paths).map(([template, item]) => {
      const params: string[] = [];
      const source = template
        .replace(/[.*+?^$()|[\]\\]/g, '\\$&')
        .replace(/\{([^}]+)\}(\/?)$|\{([^}]+)\}/g, (_m, last: string | undefined, slash: string, name: string | undefined) => {
          params.push((last ?? name)!);
          // Mount paths and KV paths may span several segments; a list's last one may be empty (the root).
          return last !== undefined && slash ? '(?:(.+?)/)?' : '(.+?)';
        });
      return { template, regex: new RegExp(`^${source}$`), params, item };
    });
  }

  /**
   * `mounts` says which engine is mounted where (as `vault secrets list` would), because Vault
   * routes by mount: without it the catch-all KV v1 template `/{kv_v1_mount_path}/{path}` would
   * accept any request.
   */
  check(method: string, path: string, query: Record<string, string>, body: unknown, mounts: Record<string, string> = DEV_MOUNTS): string[] {
    const verb = method === 'PUT' ? 'post' : method === 'LIST' || (method === 'GET' && query.list === 'true') ? 'list' : method.toLowerCase();
    // Vault lists "dir" and "dir/" alike; the document names list paths with the slash.
    const listPath = verb === 'list' && !path.endsWith('/') && !this.candidates(path, mounts).length ? `${path}/` : path;
    const candidates = this.candidates(listPath, mounts);
    if (!candidates.length) return [`${method} /${path}: no such path in Vault's API`];
    const problems: string[] = [];
    for (const candidate of candidates) {
      const operation = (candidate.item[verb] ?? (verb === 'list' ? candidate.item.get : undefined)) as Operation | undefined;
      if (!operation) {
        problems.push(`${candidate.template}: no ${verb.toUpperCase()} operation`);
        continue;
      }
      const bodyProblems = PLUGIN_PASS_THROUGH.has(candidate.template) ? [] : this.checkBody(operation, body);
      if (!bodyProblems.length) return [];
      problems.push(...bodyProblems.map((p) => `${candidate.template}: ${p}`));
    }
    return [`${method} /${path}:`, ...problems];
  }

  /** Templates for the engine mounted at the path's mount, or the built-in (sys/, auth/token/) ones. */
  private candidates(path: string, mounts: Record<string, string>): Template[] {
    const mount = Object.keys(mounts)
      .filter((m) => path === m || path.startsWith(`${m}/`))
      .sort((a, b) => b.length - a.length)[0];
    return this.templates.filter((t) => {
      const match = t.regex.exec(`/${path}`);
      if (!match) return false;
      const mountParam = t.params.find((p) => p.endsWith('_mount_path'));
      if (!mountParam) return true;
      if (!mount) return false;
      const prefix = mount.startsWith('auth/') ? 'auth/' : '';
      return mountParam === `${mounts[mount]}_mount_path` && `${prefix}${match[t.params.indexOf(mountParam) + 1]}` === mount;
    });
  }

  private checkBody(operation: Operation, body: unknown): string[] {
    if (body === undefined || body === null || (typeof body === 'object' && Object.keys(body as object).length === 0)) return [];
    const schema = this.resolve(operation.requestBody?.content?.['application/json']?.schema);
    if (!schema) return ['sends a body where the API takes none'];
    if (typeof body !== 'object' || Array.isArray(body)) return ['body is not a JSON object'];
    const problems: string[] = [];
    for (const [key, value] of Object.entries(body as Record<string, unknown>)) {
      const property = schema.properties?.[key];
      if (!property) {
        if (!schema.additionalProperties) problems.push(`body key "${key}" is not in the request schema`);
        continue;
      }
      if (!typeMatches(this.resolve(property)!, value)) problems.push(`body key "${key}" has the wrong type (${typeof value}, schema ${property.type}${property.format ? `/${property.format}` : ''})`);
    }
    return problems;
  }

  private resolve(schema: Schema | undefined): Schema | undefined {
    if (!schema?.$ref) return schema;
    return this.doc.components.schemas[schema.$ref.replace('#/components/schemas/', '')];
  }
}

function typeMatches(schema: Schema, value: unknown): boolean {
  switch (schema.type) {
    case 'string':
      // Vault parses durations from numbers of seconds as well as strings.
      return typeof value === 'string' || (schema.format === 'duration' && typeof value === 'number');
    case 'integer':
    case 'number':
      return typeof value === 'number' || (typeof value === 'string' && /^\d+$/.test(value));
    case 'boolean':
      return typeof value === 'boolean';
    case 'array':
      // Vault accepts comma-separated strings for list fields.
      return Array.isArray(value) || typeof value === 'string';
    case 'object':
      return typeof value === 'object' && value !== null;
    default:
      return true;
  }
}
