/**
 * The shape of a JSON value: its keys and value types, recursively, without the values. Two
 * Vault answers with the same shape can be read by the same client code.
 */
export type Shape = string | { readonly [key: string]: Shape } | { readonly '[]': Shape | 'empty' };

export function shapeOf(value: unknown): Shape {
  if (value === null) return 'null';
  if (Array.isArray(value)) return { '[]': value.length ? shapeOf(value[0]) : 'empty' };
  if (typeof value === 'object') return Object.fromEntries(Object.entries(value as object).map(([key, item]) => [key, shapeOf(item)]));
  return typeof value;
}

export interface ShapeDifference {
  /** Dotted path into the body; `[]` stands for the elements of an array. */
  readonly path: string;
  /** e.g. "missing on the dev server", "string on the dev server, number on OpenBao". */
  readonly what: string;
}

/** Where `dev` (the dev server's answer) and `real` (OpenBao's) differ in keys or value types. */
export function shapeDifferences(dev: Shape, real: Shape, path = ''): ShapeDifference[] {
  const at = (key: string) => (path ? `${path}.${key}` : key);
  if (typeof dev === 'string' || typeof real === 'string') {
    return dev === real ? [] : [{ path: path || '(body)', what: `${describe(dev)} on the dev server, ${describe(real)} on OpenBao` }];
  }
  if ('[]' in dev || '[]' in real) {
    if (!('[]' in dev && '[]' in real)) return [{ path: path || '(body)', what: `${describe(dev)} on the dev server, ${describe(real)} on OpenBao` }];
    // An empty list fits any list.
    const [devItem, realItem] = [dev['[]'], real['[]']] as [Shape | 'empty', Shape | 'empty'];
    if (devItem === 'empty' || realItem === 'empty') return [];
    return shapeDifferences(devItem, realItem, `${path}[]`);
  }
  const differences: ShapeDifference[] = [];
  const devObject = dev as Record<string, Shape>;
  const realObject = real as Record<string, Shape>;
  for (const key of new Set([...Object.keys(devObject), ...Object.keys(realObject)])) {
    if (!(key in devObject)) differences.push({ path: at(key), what: 'missing on the dev server' });
    else if (!(key in realObject)) differences.push({ path: at(key), what: 'only on the dev server' });
    else differences.push(...shapeDifferences(devObject[key]!, realObject[key]!, at(key)));
  }
  return differences;
}

function describe(shape: Shape): string {
  if (typeof shape === 'string') return shape;
  return '[]' in shape ? 'a list' : 'an object';
}
