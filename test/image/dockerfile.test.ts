import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { parseDockerfile, imageCommand, imageRuntime } from '../support/image-runtime.js';
import { repoPath } from '../support/repo-root.js';

const run = promisify(execFile);

describe('the image (Dockerfile)', () => {
  it('runs the bundle with its Node flags and environment, which the tests and benchmarks read', () => {
    const runtime = imageRuntime();
    assert.deepEqual(runtime.nodeFlags, ['--max-semi-space-size=1', '--lite-mode', '--no-expose-wasm']);
    assert.equal(runtime.env.MALLOC_ARENA_MAX, '1');
    assert.match(runtime.cli, /dist\/bundle\/cli\.js$/);
  });

  it('ships the bundle alone: no node_modules in the runtime stage', () => {
    const text = readFileSync(repoPath('Dockerfile'), 'utf8');
    const runtimeStage = text.slice(text.lastIndexOf('\nFROM '));
    assert.match(runtimeStage, /COPY --from=build \/src\/dist\/bundle \.\/dist\/bundle/);
    assert.doesNotMatch(runtimeStage, /node_modules/);
  });

  it('starts with those flags without a word on stderr (V8 warns when lite mode turns WebAssembly off)', async () => {
    const { stdout, stderr } = await run(process.execPath, imageCommand(['version']), { env: { PATH: process.env.PATH, ...imageRuntime().env } });
    assert.match(stdout, /^vaultlet \d+\.\d+\.\d+/);
    assert.equal(stderr, '');
  });

  it('refuses an ENTRYPOINT that does not end with the bundled CLI, naming what it found', () => {
    const dockerfile = 'FROM build AS b\nFROM runtime\nENV A=1\nENTRYPOINT ["/nodejs/bin/node", "/app/dist/src/cli.js"]\n';
    assert.throws(() => parseDockerfile(dockerfile), /ENTRYPOINT should end with \/app\/dist\/bundle\/cli\.js, found \/app\/dist\/src\/cli\.js/);
  });

  it('reads flags and quoted or bare ENV values from the runtime stage only', () => {
    const dockerfile = 'FROM build AS b\nENV BUILD_ONLY=1\nFROM runtime\nENV A="x y"\nENV B=2\nENTRYPOINT ["/nodejs/bin/node", "--f", "/app/dist/bundle/cli.js"]\n';
    assert.deepEqual(parseDockerfile(dockerfile), { nodeFlags: ['--f'], env: { A: 'x y', B: '2' } });
  });
});
