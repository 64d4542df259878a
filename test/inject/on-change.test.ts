import assert from 'node:assert/strict';
import { parseOnChange } from '../../src/inject/on-change.js';

describe('inject: the on-change annotation', () => {
  it('reads signal and http actions separated by spaces or newlines, in order', () => {
    assert.deepEqual(parseOnChange('  signal:SIGHUP:nginx\n\thttps://localhost:8443/reload  signal:SIGUSR2:my:app\n'), {
      actions: [{ signal: 'SIGHUP', process: 'nginx' }, { http: 'https://localhost:8443/reload' }, { signal: 'SIGUSR2', process: 'my:app' }],
      problems: [],
    });
  });

  it('names each bad action by its position', () => {
    assert.deepEqual(parseOnChange('signal:HUP:nginx signal:SIGHUP: nginx -s reload').problems, [
      'action 1: the signal must be one of SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGUSR1, SIGUSR2, SIGWINCH (got "HUP")',
      'action 2: signal:<SIGNAL>:<process> needs the process name after the signal',
      'action 3: each action must be signal:<SIGNAL>:<process> or an http://127.0.0.1:<port>/<path> URL, separated by spaces',
      'action 4: each action must be signal:<SIGNAL>:<process> or an http://127.0.0.1:<port>/<path> URL, separated by spaces',
      'action 5: each action must be signal:<SIGNAL>:<process> or an http://127.0.0.1:<port>/<path> URL, separated by spaces',
    ]);
    assert.deepEqual(parseOnChange(' ').problems, [
      'must name at least one action (each action must be signal:<SIGNAL>:<process> or an http://127.0.0.1:<port>/<path> URL, separated by spaces)',
    ]);
  });
});
