/**
 * Runs the sink in a separate process, so tests can give it limits the test process should not
 * have (another uid, a file size limit). Prints one JSON line per operation:
 * {"changed":bool}, {"probed":true} or {"error":{"name","code","message"}}.
 *   node sink-child.js write <directory> <file> <octal mode> <base64 bytes>...
 *   node sink-child.js probe <directory>
 */
import { AtomicFileSink, probeDirectory } from '../../src/render/atomic-file-sink.js';

async function report(operation: () => Promise<object>): Promise<void> {
  try {
    console.log(JSON.stringify(await operation()));
  } catch (error) {
    const { name, code, message } = error as { name: string; code: string; message: string };
    console.log(JSON.stringify({ error: { name, code, message } }));
  }
}

const [command, directory, file, mode, ...payloads] = process.argv.slice(2);
if (command === 'probe') {
  await report(async () => (await probeDirectory(directory!), { probed: true }));
} else {
  const sink = new AtomicFileSink({ directory: directory!, file: file!, mode: parseInt(mode!, 8) });
  for (const payload of payloads) await report(() => sink.write(Buffer.from(payload, 'base64')));
}
