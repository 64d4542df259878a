import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

/** Read once from package.json so the binary, metrics and logs agree. */
export const VERSION: string = (require('../../package.json') as { version: string }).version;
