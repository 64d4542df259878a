import * as z from 'zod';
import { documentSchema } from './schema.js';

/** JSON Schema (draft 2020-12) of the YAML file as written, for editors and docs. */
export function configJsonSchema(): object {
  return z.toJSONSchema(documentSchema, { io: 'input', target: 'draft-2020-12' });
}
