import { createHmac, randomBytes } from 'node:crypto';

/** RFC 9110 entity-tag characters: visible ASCII except the double quote. */
const ETAG_CHARACTERS = /^[\x21\x23-\x7e]+$/;

/** The strong ETag header value for a version. Throws on a version that cannot be one. */
export function toEtag(version: string): string {
  if (!ETAG_CHARACTERS.test(version)) throw new TypeError('a file version must be visible ASCII without a double quote');
  return `"${version}"`;
}

/**
 * RFC 9110 If-None-Match: "*" or a comma-separated list of entity tags, compared weakly (a W/
 * prefix is ignored), so a client that stored the ETag gets 304 for as long as it is current.
 */
export function ifNoneMatchMatches(header: string | undefined, etag: string): boolean {
  if (header === undefined) return false;
  if (header.trim() === '*') return true;
  return header.split(',').some((tag) => tag.trim().replace(/^W\//, '') === etag);
}

/**
 * Versions for ServedFile: a keyed hash of the bytes, so the version changes whenever the bytes
 * do, yet an ETag never hands out a plain hash of a secret to guess weak passwords against.
 * The key lives as long as the returned function; a restarted agent makes new versions, which
 * costs each client one full read.
 */
export function createContentVersioner(): (bytes: Buffer) => string {
  const key = randomBytes(32);
  return (bytes) => createHmac('sha256', key).update(bytes).digest('base64url').slice(0, 22);
}
