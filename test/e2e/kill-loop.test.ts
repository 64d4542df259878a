import assert from 'node:assert/strict';
import { formatTable, percentile, problemWith, runKillLoop } from '../../bench/kill-loop.js';
import { forEachBackend } from '../support/vault-backend.js';

/**
 * SIGKILL during rotation, 200 times (bench/kill-loop.ts runs the same loop for longer):
 * the app must never read a torn, empty or vanished secret file, and a crash loop must not mint
 * a database credential per restart.
 */
forEachBackend('vaultlet run killed with SIGKILL over and over while rotating secrets', function (backend) {
  this.timeout(600_000);

  it('the checker itself tells complete files from torn, empty and mixed ones', () => {
    const env = (key: string, end: string, padding = 8) => Buffer.from(`API_KEY=${key}\nAPI_URL=u\nPADDING=${'p'.repeat(padding)}\nEND_MARKER=${end}\n`);
    assert.equal(problemWith('config.env', env('k1', 'k1'), 8), undefined);
    assert.match(problemWith('config.env', env('k1', 'k2'), 8)!, /mixes two versions/);
    assert.match(problemWith('config.env', env('k1', 'k1', 5), 8)!, /padding/);
    assert.match(problemWith('config.env', env('k1', 'k1').subarray(0, 20), 8)!, /newline|lacks/);
    assert.match(problemWith('config.env', Buffer.alloc(0), 8)!, /empty/);
    assert.equal(problemWith('db.json', Buffer.from('{"username":"v-1","password":"p"}')), undefined);
    assert.match(problemWith('db.json', Buffer.from('{"username":"v-1","pass'))!, /not valid JSON/);
    assert.equal(percentile([5, 1, 3, 2, 4], 50), 3);
  });

  it('never leaves a torn or empty file at a target name, and a reader never sees one', async () => {
    // 200 runs take 3–5 minutes on a 2-core machine (each is a Node start); the budget is a
    // safety net for a heavily loaded one, not the expected end.
    const result = await runKillLoop({ iterations: 200, timeBudgetMs: 480_000, seed: 42, backend });
    console.log(formatTable(result).replace(/^/gm, '      '));
    assert.ok(result.iterations >= 150, `only ${result.iterations} runs within the time budget`);
    assert.deepEqual(result.tornFiles, [], 'files checked right after each kill');
    assert.deepEqual(result.reader.problems, [], 'what the reader process saw');
    assert.ok(result.reader.reads > 1_000, `the reader only read ${result.reader.reads} times`);
    assert.ok(result.versionsSeen >= 10, `only ${result.versionsSeen} file versions: the kills did not land among writes`);
    assert.ok(result.firstWriteMs.length >= result.iterations / 2, `only ${result.firstWriteMs.length} of ${result.iterations} runs got as far as writing`);
    assert.deepEqual(result.widerTempFiles, [], 'a temp file is never readable by more than its target');
    assert.equal(result.finalOnceExit, 0, '`vaultlet once` works on what the kills left behind');
  });
});
