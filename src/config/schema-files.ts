import * as z from 'zod';
import { absolutePath, duration, fileMode, fileName, nonEmptyString, nonNegativeInteger } from './fields.js';

/** What a secret file looks like on disk and whom to tell when it changes. */

export const FILE_FORMATS = ['json', 'env', 'yaml', 'properties', 'raw', 'pem', 'template'] as const;

const SIGNALS = ['SIGHUP', 'SIGINT', 'SIGQUIT', 'SIGTERM', 'SIGUSR1', 'SIGUSR2', 'SIGWINCH'] as const;

const timeout = duration(100, '100ms').prefault('30s');

/** Only loopback: the action tells the app in this pod, and must never carry a request off the pod. */
function loopbackUrl() {
  return z.string().superRefine((value, ctx) => {
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      ctx.addIssue({ code: 'custom', message: 'must be an http:// URL such as http://127.0.0.1:8080/-/reload' });
      return;
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') ctx.addIssue({ code: 'custom', message: 'must use http:// or https://' });
    else if (!['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname)) {
      ctx.addIssue({ code: 'custom', message: 'must point at the pod itself (127.0.0.1, localhost or [::1])' });
    } else if (url.username || url.password) ctx.addIssue({ code: 'custom', message: 'must not contain credentials' });
  });
}

export const actionSchema = z.union(
  [
    z.strictObject({ signal: z.enum(SIGNALS), process: nonEmptyString(), timeout }),
    z.strictObject({
      http: loopbackUrl(),
      method: z.enum(['POST', 'PUT']).default('POST'),
      headers: z.record(z.string(), z.string()).optional(),
      timeout,
    }),
    z.strictObject({ command: z.array(nonEmptyString()).min(1, 'must name the program to run'), timeout }),
  ],
  { error: 'must be one of {signal, process}, {http}, {command}' },
);

/** Keys shared by a secret's own file, its `files:` entries and top-level `templates:`. */
export const fileLayout = {
  mode: fileMode().optional(),
  uid: nonNegativeInteger().optional(),
  gid: nonNegativeInteger().optional(),
  on_change: z.array(actionSchema).optional(),
  /** false: the app-read metrics and alert leave this file out (a CA file the app never opens). */
  track_reads: z.boolean().optional(),
};

export const fileShape = {
  file: fileName().optional(),
  format: z.enum(FILE_FORMATS).optional(),
  field: nonEmptyString().optional(),
  fields: z.array(nonEmptyString()).min(1, 'must name at least one field').optional(),
  env_prefix: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be letters, digits and "_", not starting with a digit').optional(),
  template: nonEmptyString().optional(),
  template_file: absolutePath().optional(),
  ...fileLayout,
};

export const fileEntry = z.strictObject({ ...fileShape, file: fileName() });

/** A file drawn from several secrets: always a template. */
export const templateEntry = z.strictObject({
  file: fileName(),
  secrets: z.array(nonEmptyString()).min(1, 'must name at least one secret'),
  template: nonEmptyString().optional(),
  template_file: absolutePath().optional(),
  ...fileLayout,
});
