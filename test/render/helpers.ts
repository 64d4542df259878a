import assert from 'node:assert/strict';

/** Runs `fn`, asserts it throws an instance of `type`, and returns the error for further checks. */
export function thrownBy<T extends Error>(type: abstract new (...args: never[]) => T, fn: () => unknown): T {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof type, `expected ${type.name}, got ${String(error)}`);
    return error;
  }
  assert.fail(`expected ${type.name} to be thrown`);
}

/** The async version of `thrownBy`. */
export async function rejectedBy<T extends Error>(
  type: abstract new (...args: never[]) => T,
  promise: Promise<unknown>,
): Promise<T> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof type, `expected ${type.name}, got ${String(error)}`);
    return error;
  }
  assert.fail(`expected ${type.name} to be rejected`);
}
