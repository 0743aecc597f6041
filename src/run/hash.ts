// Stable run ids: a short SHA-256 of the canonical JSON (keys sorted) of a fully resolved run spec.
// Changing a value changes exactly the ids of the runs it touches.
import { createHash } from 'node:crypto';

/** JSON with object keys sorted recursively, so equal values always serialise the same. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
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

/** Bump when the meaning of a spec changes (so old results are not mistaken for new ones). */
export const SPEC_VERSION = 1;

export function shortHash(value: unknown, length = 12): string {
  return createHash('sha256').update(canonicalJson(value)).digest('hex').slice(0, length);
}
