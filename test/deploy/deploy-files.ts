import { readdir, readFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';
import type { KubeObject } from './kube-validate.js';

/** The deploy/ folder as data: every YAML document with the file it came from. */

export const deployDir = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'deploy');

export interface DeployDocument {
  file: string;
  object: KubeObject;
}

export async function yamlFiles(dir = deployDir): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries
    .filter((entry) => entry.isFile() && /\.ya?ml$/.test(entry.name))
    .map((entry) => relative(deployDir, join(entry.parentPath, entry.name)))
    .sort();
}

export async function documentsOf(file: string): Promise<KubeObject[]> {
  const text = await readFile(join(deployDir, file), 'utf8');
  return parseAllDocuments(text).map((document) => {
    if (document.errors.length) throw new Error(`${file}: ${document.errors[0]!.message}`);
    return document.toJS() as KubeObject;
  }).filter((object) => object !== null);
}

export async function allManifests(): Promise<DeployDocument[]> {
  const documents: DeployDocument[] = [];
  for (const file of await yamlFiles()) {
    // Kustomizations and Prometheus rule files (promtool's format, deploy/monitoring) are not API objects.
    if (file.endsWith('kustomization.yaml') || file.endsWith('.rules.yaml')) continue;
    for (const object of await documentsOf(file)) documents.push({ file, object });
  }
  return documents;
}

export function find(documents: DeployDocument[], kind: string, name: string, file?: string): KubeObject {
  const found = documents.find((document) => document.object.kind === kind && document.object.metadata?.name === name && (file === undefined || document.file === file));
  if (!found) throw new Error(`no ${kind}/${name} in deploy/`);
  return found.object;
}
