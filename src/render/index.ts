export { renderSecret, type OutputFormat, type RenderInput } from './format.js';
export {
  AtomicFileSink,
  assertSafeFileName,
  probeDirectory,
  type SinkOptions,
} from './atomic-file-sink.js';
