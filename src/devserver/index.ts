export { startDevServer } from './start.js';
export { runDevServerCommand, parseDevServerArgs, type SeedRequest } from './command.js';
export type { DevServer, DevServerOptions, DevFaults, RecordedRequest, RequestMatch } from './types.js';
export { InMemoryDatabaseBackend, type DatabaseBackend, type DatabaseRoleInfo } from './database-backend.js';
