import { stringify } from 'yaml';

/**
 * Byte-stable text for rendered files: the same object always gives the same bytes, whatever
 * order its keys were built in — map keys sorted, no line folding, arrays kept in order (their
 * order carries meaning: containers, rules, tolerations).
 */

/** YAML with sorted map keys and no folding; multi-line strings become `|` blocks. */
export function stableYaml(value: unknown): string {
  return stringify(sortKeys(value), { sortMapEntries: true, lineWidth: 0, minContentWidth: 0, indent: 2, aliasDuplicateObjects: false });
}

/** Pretty JSON with sorted keys and a final newline. */
export function stableJson(value: unknown): string {
  return `${JSON.stringify(sortKeys(value), null, 2)}\n`;
}

/** A deep copy with every plain object's keys in sorted order and `undefined` members dropped. */
export function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) {
      const v = (value as Record<string, unknown>)[key];
      if (v !== undefined) out[key] = sortKeys(v);
    }
    return out;
  }
  return value;
}
