// Canonical JSON: object keys sorted recursively and undefined members dropped, so equal values
// always serialise to the same text. Run ids hash it (results/run-id.ts); points of a sweep compare by it.

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
