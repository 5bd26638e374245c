/**
 * Kubernetes naming rules (apimachinery validation): every name the renderer writes goes through
 * here, so a plan whose service or node names would not be accepted by the API server is made
 * safe before any object is built, and the checks are reused by the validator.
 */

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const QUALIFIED_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;

export const MAX_LABEL_LENGTH = 63;
export const MAX_SUBDOMAIN_LENGTH = 253;

/** FNV-1a 32-bit as 8 hex digits: a short, stable suffix for names that had to be cut. */
export function fnv1a(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h.toString(16).padStart(8, '0');
}

export function isDns1123Label(s: string): boolean {
  return s.length <= MAX_LABEL_LENGTH && DNS1123_LABEL.test(s);
}

/** Service names must be DNS-1035 labels (start with a letter). */
export function isDns1035Label(s: string): boolean {
  return s.length <= MAX_LABEL_LENGTH && DNS1035_LABEL.test(s);
}

export function isDns1123Subdomain(s: string): boolean {
  return s.length <= MAX_SUBDOMAIN_LENGTH && DNS1123_SUBDOMAIN.test(s);
}

export function isLabelValue(s: string): boolean {
  return s.length <= MAX_LABEL_LENGTH && LABEL_VALUE.test(s);
}

/** A label or annotation key: optional DNS-subdomain prefix and `/`, then a qualified name of ≤ 63 characters. */
export function isLabelKey(key: string): boolean {
  const slash = key.lastIndexOf('/');
  const prefix = slash < 0 ? undefined : key.slice(0, slash);
  const name = slash < 0 ? key : key.slice(slash + 1);
  if (prefix !== undefined && !isDns1123Subdomain(prefix)) return false;
  return name.length <= MAX_LABEL_LENGTH && QUALIFIED_NAME.test(name);
}

/**
 * Any text → a name that is both a DNS-1123 and a DNS-1035 label (the strictest of the object
 * name rules, so one function serves Deployments, Services and ConfigMaps alike): lower case,
 * runs of other characters as one `-`, a leading letter (`t-` is put before a leading digit),
 * at most 63 characters — a cut name ends in an 8-hex hash of the whole text so two long names
 * that share a prefix stay distinct. The same text always gives the same name.
 */
export function dnsLabel(text: string): string {
  let s = text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
  if (s.length === 0) s = 'x';
  if (!/^[a-z]/.test(s)) s = `t-${s}`;
  if (s.length > MAX_LABEL_LENGTH) {
    const hash = fnv1a(text);
    s = `${s.slice(0, MAX_LABEL_LENGTH - hash.length - 1).replace(/-+$/, '')}-${hash}`;
  }
  return s;
}

/** Joins parts with `-` into one safe label (`line-01`, `3g.40gb` → `line-01-3g-40gb`). */
export function joinLabel(...parts: readonly string[]): string {
  return dnsLabel(parts.filter((p) => p.length > 0).join('-'));
}

/**
 * Any text → a valid label value: characters outside `[-A-Za-z0-9_.]` as `-`, alphanumeric at
 * both ends, ≤ 63 characters (hash suffix when cut). Empty stays empty (a valid value).
 */
export function labelValue(text: string): string {
  let s = text.replace(/[^-A-Za-z0-9_.]+/g, '-').replace(/^[^A-Za-z0-9]+|[^A-Za-z0-9]+$/g, '');
  if (s.length > MAX_LABEL_LENGTH) {
    const hash = fnv1a(text);
    s = `${s.slice(0, MAX_LABEL_LENGTH - hash.length - 1).replace(/[^A-Za-z0-9]+$/, '')}-${hash}`;
  }
  return s;
}
