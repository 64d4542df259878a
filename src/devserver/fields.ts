import { DurationError, parseDurationSeconds } from './durations.js';
import { badRequest } from './vault-http.js';

/** Request field readers with Vault's leniency: lists may be comma strings, bools may be strings. */
export function durationField(body: Record<string, unknown>, name: string): number {
  try {
    return parseDurationSeconds(body[name]);
  } catch (error) {
    if (error instanceof DurationError) throw badRequest(`error converting input ${String(body[name])} for field "${name}": ${error.message}`);
    throw error;
  }
}

export function stringList(value: unknown): string[] {
  if (value === undefined || value === null || value === '') return [];
  const items = Array.isArray(value) ? value.map(String) : String(value).split(',');
  return items.map((item) => item.trim()).filter((item) => item !== '');
}

export function boolField(body: Record<string, unknown>, name: string, fallback: boolean): boolean {
  const value = body[name];
  if (value === undefined || value === null || value === '') return fallback;
  if (typeof value === 'boolean') return value;
  if (['1', 't', 'true', 'TRUE', 'True'].includes(String(value))) return true;
  if (['0', 'f', 'false', 'FALSE', 'False'].includes(String(value))) return false;
  throw badRequest(`error converting input ${String(value)} for field "${name}"`);
}

export function stringField(body: Record<string, unknown>, name: string): string {
  const value = body[name];
  return value === undefined || value === null ? '' : String(value);
}

export function stringMap(value: unknown): Record<string, string> | null {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return null;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, String(v)]));
}
