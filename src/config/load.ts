import { readFile } from 'node:fs/promises';
import { ConfigError } from '../errors.js';
import { buildConfig } from './build.js';
import { buildFiles } from './build-files.js';
import { crossFieldIssues } from './cross-checks.js';
import { vaultEnvOverrides } from './env.js';
import { errorMap, issueLines, sortByDocumentOrder } from './issues.js';
import { documentSchema } from './schema.js';
import type { Config } from './types.js';
import { parseYaml } from './yaml-document.js';

/** Validates YAML text; throws one ConfigError listing every problem as `key.path: problem`. */
export function parseConfig(text: string, source: string, env: NodeJS.ProcessEnv = process.env): Config {
  const yaml = parseYaml(text);
  if (yaml.issues.length) throw new ConfigError(`${source}: invalid YAML`, yaml.issues);
  const document = yaml.value ?? {}; // an empty file is an empty mapping, so the missing keys get named
  const parsed = documentSchema.safeParse(document, { error: errorMap });
  const { overrides, issues: envIssues } = vaultEnvOverrides(env);
  const issues = sortByDocumentOrder(
    [...(parsed.success ? [] : issueLines(parsed.error.issues)), ...crossFieldIssues(document), ...envIssues],
    Object.keys(documentSchema.shape),
  );
  if (issues.length || !parsed.success) throw invalid(source, issues);
  const { files, issues: fileIssues } = buildFiles(parsed.data);
  if (fileIssues.length) throw invalid(source, sortByDocumentOrder(fileIssues, Object.keys(documentSchema.shape)));
  return buildConfig(parsed.data, files, overrides);
}

function invalid(source: string, issues: string[]): ConfigError {
  const count = issues.length === 1 ? '1 problem' : `${issues.length} problems`;
  return new ConfigError(`${source}: invalid configuration (${count})`, issues);
}

/** Reads and validates a config file; an unreadable file is a ConfigError naming it. */
export async function loadConfig(file: string, env: NodeJS.ProcessEnv = process.env): Promise<Config> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message;
    throw new ConfigError(`cannot read config file ${file}: ${reason}`, [], { cause: error });
  }
  return parseConfig(text, file, env);
}
