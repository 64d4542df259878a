import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

/**
 * Validation against the Kubernetes API schemas shipped by kubernetes-models (and its
 * prometheus-operator sibling for PodMonitor): `validate()` checks types, required fields and
 * formats with the OpenAPI schema; the OpenAPI schema allows unknown fields, so a second pass
 * type-checks each object as a literal of the package's interface, where TypeScript's excess
 * property check catches misspelt or misplaced fields as the API server's strict field validation would.
 */

export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata?: { name?: string; namespace?: string };
  [key: string]: unknown;
}

/** Module of the model for apiVersion + kind; the interface is `I<Kind>`. */
export function modelModule(apiVersion: string, kind: string): string {
  if (apiVersion === 'monitoring.coreos.com/v1') return `@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/${kind}`;
  if (apiVersion === 'cert-manager.io/v1') return `@kubernetes-models/cert-manager/cert-manager.io/v1/${kind}`;
  return `kubernetes-models/${apiVersion}/${kind}`;
}

function describe(object: KubeObject): string {
  return `${object.kind}/${object.metadata?.name ?? '(unnamed)'}`;
}

/** Schema problems of one object, as `Kind/name: problem`; an unknown apiVersion/kind is a problem too. */
export async function schemaProblems(object: KubeObject): Promise<string[]> {
  let Model: new (data: unknown) => { validate(): void };
  try {
    const module = (await import(modelModule(object.apiVersion, object.kind))) as Record<string, unknown>;
    Model = module[object.kind] as typeof Model;
    if (typeof Model !== 'function') throw new Error('no model class');
  } catch {
    return [`${describe(object)}: no schema for ${object.apiVersion} ${object.kind}`];
  }
  try {
    new Model(object).validate();
    return [];
  } catch (error) {
    return [`${describe(object)}: ${(error as Error).message}`];
  }
}

const projectRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

/** Unknown or misplaced fields in any of the objects, found by the TypeScript compiler. */
export function unknownFieldProblems(objects: readonly KubeObject[]): string[] {
  const virtualFile = join(projectRoot, 'test', 'deploy', '__kube_objects__.ts');
  const lines = objects.map((object, index) => {
    const { apiVersion, kind, ...rest } = object;
    return `import type { I${kind} as T${index} } from '${modelModule(apiVersion, kind)}';\n` +
      `export const o${index}: T${index} = ${JSON.stringify({ apiVersion, kind, ...rest })};`;
  });
  const source = lines.join('\n');
  const options: ts.CompilerOptions = {
    target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext,
    strict: true, noEmit: true, skipLibCheck: true, types: [],
  };
  const host = ts.createCompilerHost(options);
  const getSourceFile = host.getSourceFile.bind(host);
  host.getSourceFile = (name, version, ...more) =>
    name === virtualFile ? ts.createSourceFile(name, source, version) : getSourceFile(name, version, ...more);
  const fileExists = host.fileExists.bind(host);
  host.fileExists = (name) => name === virtualFile || fileExists(name);
  const program = ts.createProgram([virtualFile], options, host);
  const file = program.getSourceFile(virtualFile)!;
  return ts.getPreEmitDiagnostics(program, file).map((diagnostic) => {
    const { line } = diagnostic.start === undefined ? { line: -1 } : file.getLineAndCharacterOfPosition(diagnostic.start);
    const object = objects[Math.floor(line / 2)];
    const text = ts.flattenDiagnosticMessageText(diagnostic.messageText, ' ');
    return `${object ? describe(object) : '(import)'}: ${text.length > 300 ? `${text.slice(0, 300)}…` : text}`;
  });
}

/** Both checks for a batch of objects. */
export async function kubeProblems(objects: readonly KubeObject[]): Promise<string[]> {
  const schema = (await Promise.all(objects.map(schemaProblems))).flat();
  return [...schema, ...unknownFieldProblems(objects)];
}
