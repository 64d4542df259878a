export { repoPath, repoRoot } from '../../src/util/repo-root.js';
