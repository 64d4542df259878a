/**
 * Runs `task` for every item, at most `limit` at a time, in order; resolves once all have
 * settled, with each outcome in item order. Only `limit` tasks exist at any moment: ten thousand
 * items cost no promise, closure or request of their own until their turn comes.
 */
export async function forEachLimited<T, R>(items: readonly T[], limit: number, task: (item: T) => Promise<R>): Promise<Array<PromiseSettledResult<R>>> {
  const results = new Array<PromiseSettledResult<R>>(items.length);
  let next = 0;
  const lane = async () => {
    while (next < items.length) {
      const index = next++;
      try {
        results[index] = { status: 'fulfilled', value: await task(items[index]!) };
      } catch (reason) {
        results[index] = { status: 'rejected', reason };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, lane));
  return results;
}
