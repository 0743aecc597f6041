// Turn zod issues into one-line, user-facing messages: `path: expected …, got …`, with a
// "did you mean" for misspelt keys and kinds. The vocabulary of known keys comes from the schema.
import { z } from 'zod';

export type Issue = z.core.$ZodIssue;

/** `optimizers[1].betas[0]` from ['optimizers', 1, 'betas', 0]. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else out += out === '' ? String(seg) : `.${String(seg)}`;
  }
  return out === '' ? '(top level)' : out;
}

/** Short rendering of a user's value for "got …". */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (typeof value === 'string') return JSON.stringify(value);
  if (Array.isArray(value)) {
    const s = JSON.stringify(value);
    return s.length > 40 ? `a list of ${value.length}` : s;
  }
  if (typeof value === 'object') return 'an object';
  return String(value);
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let cur: unknown = root;
  for (const seg of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<PropertyKey, unknown>)[seg];
  }
  return cur;
}

/** Edit distance with adjacent transpositions (optimal string alignment), for suggestions. */
export function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, d[i - 2]![j - 2]! + 1);
      d[i]![j] = best;
    }
  }
  return d[a.length]![b.length]!;
}

/** The closest candidate within a small edit distance, or undefined. */
export function closest(word: string, candidates: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestDist = Infinity;
  const limit = Math.max(1, Math.min(3, Math.floor(word.length / 3)));
  for (const c of candidates) {
    const d = editDistance(word.toLowerCase(), c.toLowerCase());
    if (d < bestDist && d <= limit) {
      best = c;
      bestDist = d;
    }
  }
  return best;
}

/** Every property name that appears anywhere in a schema (for "did you mean"). */
export function keyVocabulary(schema: z.ZodType): Set<string> {
  const keys = new Set<string>();
  const json = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' });
  const walk = (node: unknown): void => {
    if (node === null || typeof node !== 'object') return;
    if (Array.isArray(node)) return node.forEach(walk);
    const obj = node as Record<string, unknown>;
    if (obj.properties && typeof obj.properties === 'object') {
      for (const k of Object.keys(obj.properties)) keys.add(k);
    }
    for (const v of Object.values(obj)) walk(v);
  };
  walk(json);
  return keys;
}

function suggest(word: unknown, candidates: Iterable<string>): string {
  if (typeof word !== 'string') return '';
  const hit = closest(word, candidates);
  return hit !== undefined ? ` (did you mean "${hit}"?)` : '';
}

/** One line per problem, `path: expected …, got …`. `prefix` is prepended to every path (e.g. a file). */
export function formatIssues(issues: readonly Issue[], input: unknown, vocabulary: Set<string>): string[] {
  const lines: string[] = [];
  for (const issue of issues) {
    const path = formatPath(issue.path);
    const got = describeValue(valueAt(input, issue.path));
    switch (issue.code) {
      case 'invalid_type':
        lines.push(`${path}: expected ${issue.expected}, got ${got}${got === 'nothing' ? ' (it is required)' : ''}`);
        break;
      case 'unrecognized_keys':
        for (const key of issue.keys) {
          lines.push(`${formatPath([...issue.path, key])}: expected a known key, got unknown key "${key}"${suggest(key, vocabulary)}`);
        }
        break;
      case 'invalid_union': {
        const options = (issue as { options?: unknown[] }).options;
        if (Array.isArray(options) && options.length > 0) {
          const names = options.map(String);
          lines.push(`${path}: expected one of ${names.map((o) => `"${o}"`).join(' | ')}, got ${got}${suggest(valueAt(input, issue.path), names)}`);
        } else lines.push(`${path}: expected ${issue.message}, got ${got}`);
        break;
      }
      case 'invalid_value': {
        const names = issue.values.map(String);
        lines.push(`${path}: expected one of ${issue.values.map((v) => JSON.stringify(v)).join(' | ')}, got ${got}${suggest(valueAt(input, issue.path), names)}`);
        break;
      }
      case 'too_small':
      case 'too_big': {
        const bound = issue.code === 'too_small' ? issue.minimum : issue.maximum;
        const op = issue.code === 'too_small' ? (issue.inclusive ? '≥' : '>') : issue.inclusive ? '≤' : '<';
        if (issue.origin === 'array' || issue.origin === 'string') {
          const what = issue.origin === 'array' ? 'items' : 'characters';
          lines.push(`${path}: expected ${issue.code === 'too_small' ? 'at least' : 'at most'} ${String(bound)} ${what}, got ${got}`);
        } else lines.push(`${path}: expected a number ${op} ${String(bound)}, got ${got}`);
        break;
      }
      case 'invalid_format':
        lines.push(`${path}: expected ${issue.message}, got ${got}`);
        break;
      case 'not_multiple_of':
        lines.push(`${path}: expected a multiple of ${String(issue.divisor)}, got ${got}`);
        break;
      case 'custom':
        lines.push(`${path}: ${issue.message}`);
        break;
      default:
        lines.push(`${path}: ${issue.message}, got ${got}`);
    }
  }
  return lines;
}
