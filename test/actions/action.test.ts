import assert from 'node:assert/strict';
import { describe, it } from 'mocha';
import { actionKey, actionLabel, type OnChangeAction } from '../../src/actions/action.js';

describe('actionLabel', () => {
  it('names a signal action by its process', () => {
    assert.equal(actionLabel({ kind: 'signal', process: 'nginx', signal: 'SIGHUP', timeoutMs: 1000 }), 'signal:nginx');
  });

  it('keeps host, port and path of a URL but drops user info, query and fragment', () => {
    const label = actionLabel({ kind: 'http', url: 'http://admin:pw@127.0.0.1:8080/-/reload?token=s3cr3t#x', method: 'POST', timeoutMs: 1000 });
    assert.equal(label, 'http:127.0.0.1:8080/-/reload');
  });

  it('names a command by its program base name only, never its arguments', () => {
    const label = actionLabel({ kind: 'command', argv: ['/usr/local/bin/reload.sh', '--password=s3cr3t'], timeoutMs: 1000 });
    assert.equal(label, 'command:reload.sh');
  });

  it('stays short and valid for an unparseable URL or a very long name', () => {
    assert.equal(actionLabel({ kind: 'http', url: 'not a url', method: 'POST', timeoutMs: 1 }), 'http:invalid-url');
    const long = actionLabel({ kind: 'signal', process: 'p'.repeat(500), signal: 'SIGHUP', timeoutMs: 1 });
    assert.ok(long.length <= 80, `label is ${long.length} characters`);
  });
});

describe('actionKey', () => {
  const hup: OnChangeAction = { kind: 'signal', process: 'nginx', signal: 'SIGHUP', timeoutMs: 1000 };

  it('is the same for the same kind and target, whatever the timeout', () => {
    assert.equal(actionKey(hup), actionKey({ ...hup, timeoutMs: 5 }));
  });

  it('tells apart different signals, methods, URLs and arguments', () => {
    const keys = [
      actionKey(hup),
      actionKey({ ...hup, signal: 'SIGUSR1' }),
      actionKey({ kind: 'http', url: 'http://127.0.0.1/a?x=1', method: 'POST', timeoutMs: 1 }),
      actionKey({ kind: 'http', url: 'http://127.0.0.1/a?x=2', method: 'POST', timeoutMs: 1 }),
      actionKey({ kind: 'http', url: 'http://127.0.0.1/a?x=2', method: 'PUT', timeoutMs: 1 }),
      actionKey({ kind: 'command', argv: ['a b'], timeoutMs: 1 }),
      actionKey({ kind: 'command', argv: ['a', 'b'], timeoutMs: 1 }),
    ];
    assert.equal(new Set(keys).size, keys.length);
  });
});
