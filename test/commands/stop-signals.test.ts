import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { StopSignals, type StopEvent } from '../../src/commands/stop-signals.js';

function installed(unclaimedExitCode = 0) {
  const source = new EventEmitter();
  const forced: number[] = [];
  const stops = StopSignals.install(source, { ignoreHangup: true, unclaimedExitCode, force: (code) => forced.push(code) });
  const events: StopEvent[] = [];
  stops.onEvent((event) => events.push(event));
  const send = (...signals: NodeJS.Signals[]) => signals.forEach((signal) => source.emit(signal, signal));
  return { source, stops, forced, events, send };
}

describe('StopSignals', () => {
  it('before a command claims them, a stop signal exits at once with the unclaimed code', () => {
    const { forced, send, stops } = installed(1);
    send('SIGTERM');
    assert.deepEqual(forced, [1]);
    assert.equal(stops.signal.aborted, false);
  });

  it('once claimed: the first SIGTERM stops, a second is only reported, a third forces 143', () => {
    const { forced, events, send, stops } = installed();
    const signal = stops.claim();
    send('SIGTERM');
    assert.equal(signal.aborted, true);
    send('SIGTERM');
    assert.deepEqual(forced, []);
    send('SIGTERM');
    assert.deepEqual(forced, [143]);
    assert.deepEqual(events.map((event) => event.kind), ['stop', 'repeated', 'force']);
  });

  it('SIGINT twice forces 130; SIGTERM then SIGINT does not', () => {
    const twice = installed();
    twice.stops.claim();
    twice.send('SIGINT', 'SIGINT');
    assert.deepEqual(twice.forced, [130]);
    const mixed = installed();
    mixed.stops.claim();
    mixed.send('SIGTERM', 'SIGINT');
    assert.deepEqual(mixed.forced, []);
  });

  it('ignores SIGHUP until told to stop ignoring it', () => {
    const { source, stops } = installed();
    assert.equal(source.listenerCount('SIGHUP'), 1);
    stops.stopIgnoringHangup();
    assert.equal(source.listenerCount('SIGHUP'), 0);
  });
});
