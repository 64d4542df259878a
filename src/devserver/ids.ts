import { randomBytes, randomUUID } from 'node:crypto';

const ALPHANUMERIC = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

export function randomAlphanumeric(length: number): string {
  const bytes = randomBytes(length);
  let out = '';
  for (let i = 0; i < length; i++) out += ALPHANUMERIC[bytes[i]! % ALPHANUMERIC.length];
  return out;
}

/** Vault 1.10+ service tokens start with "hvs."; accessors are 24 characters. */
export const newTokenId = (): string => `hvs.${randomAlphanumeric(24)}`;
export const newAccessor = (): string => randomAlphanumeric(24);
export const newUuid = (): string => randomUUID();

/** Vault's default password policy: 20 characters with a lower, an upper, a digit and a dash. */
export function newPassword(): string {
  const pick = (set: string) => set[randomBytes(1)[0]! % set.length]!;
  const chars = [
    pick('abcdefghijklmnopqrstuvwxyz'),
    pick('ABCDEFGHIJKLMNOPQRSTUVWXYZ'),
    pick('0123456789'),
    '-',
    ...randomAlphanumeric(16),
  ];
  const order = randomBytes(chars.length);
  for (let i = chars.length - 1; i > 0; i--) {
    const j = order[i]! % (i + 1);
    [chars[i], chars[j]] = [chars[j]!, chars[i]!];
  }
  return chars.join('');
}
