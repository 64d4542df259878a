import type { FileConfig } from '../config/index.js';
import { RenderError } from '../errors.js';
import { leaseExpiresAt, type Lease } from '../lease/lease.js';
import { renderSecret } from '../render/format.js';
import type { CompiledTemplate, TemplateLease } from '../render/template.js';

/** The leases a file is drawn from, by secret name; a file is rendered only once all are present. */
export type FileInputs = ReadonlyMap<string, Lease>;

export type FileRenderer = (inputs: FileInputs) => Buffer;

/** Makes the render function of one file: a plain format from its one secret, or a template over all of them. */
export function fileRenderer(file: FileConfig, template: CompiledTemplate | undefined): FileRenderer {
  const { render } = file;
  if (render.format === 'template') {
    if (!template) throw new RenderError(`file "${file.file}": template "${render.template.name}" was not compiled`);
    return (inputs) => {
      const secrets = Object.fromEntries(file.secrets.map((name) => [name, { data: inputs.get(name)!.data, lease: templateLease(inputs.get(name)!) }]));
      const first = secrets[file.secrets[0]!]!;
      return template({ data: first.data, lease: first.lease, secrets });
    };
  }
  const secret = file.secrets[0]!;
  return (inputs) =>
    renderSecret({
      secret,
      format: render.format,
      data: inputs.get(secret)!.data,
      ...(render.format === 'raw' ? { field: render.field } : {}),
      ...(render.format === 'pem' ? { fields: render.fields } : {}),
      ...(render.format === 'env' ? { envPrefix: render.envPrefix } : {}),
    });
}

/** Lease facts fixed at issue time, so a renewal alone never rewrites a templated file. */
function templateLease(lease: Lease): TemplateLease {
  const expiresAt = leaseExpiresAt(lease);
  // Static roles carry no TTL (ttlMs 0) but do expire: the time to Vault's rotation, as expires_at says.
  const ttlMs = lease.validity ? Math.max(0, lease.validity.until - lease.obtainedAt) : lease.ttlMs;
  return {
    id: lease.id,
    ttl_seconds: Math.round(ttlMs / 1000),
    renewable: lease.renewable,
    ...(Number.isFinite(expiresAt) ? { expires_at: new Date(expiresAt).toISOString() } : {}),
    ...(lease.version !== undefined ? { version: lease.version } : {}),
  };
}
