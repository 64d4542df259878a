import assert from 'node:assert/strict';
import { describe, it } from 'mocha';
import { KeyedDebouncer } from '../../src/watch/keyed-debouncer.js';
import { sleep } from './helpers.js';

describe('KeyedDebouncer', () => {
  it('delivers the last value of a burst once, after the key goes quiet', async () => {
    const delivered: Array<[string, number]> = [];
    const debouncer = new KeyedDebouncer<string, number>(40, (key, value) => delivered.push([key, value]));
    debouncer.schedule('a', 1);
    await sleep(20);
    debouncer.schedule('a', 2);
    await sleep(20);
    debouncer.schedule('a', 3);
    assert.deepEqual(delivered, []);
    await sleep(100);
    assert.deepEqual(delivered, [['a', 3]]);
  });

  it('keeps keys independent', async () => {
    const delivered: string[] = [];
    const debouncer = new KeyedDebouncer<string, true>(30, (key) => delivered.push(key));
    debouncer.schedule('a', true);
    debouncer.schedule('b', true);
    await sleep(80);
    assert.deepEqual(delivered.sort(), ['a', 'b']);
  });

  it('delivers nothing after cancelAll, pending or new', async () => {
    const delivered: string[] = [];
    const debouncer = new KeyedDebouncer<string, true>(20, (key) => delivered.push(key));
    debouncer.schedule('a', true);
    debouncer.cancelAll();
    debouncer.cancelAll();
    debouncer.schedule('b', true);
    await sleep(60);
    assert.deepEqual(delivered, []);
  });

  it('rejects a negative or non-finite delay', () => {
    assert.throws(() => new KeyedDebouncer(-1, () => {}), RangeError);
    assert.throws(() => new KeyedDebouncer(Number.NaN, () => {}), RangeError);
  });
});
