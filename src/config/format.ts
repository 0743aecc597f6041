// Turn zod issues into one-line, user-facing messages: `path: expected …, got …`, with a
// "did you mean" for misspelt keys, kinds and enum values. The keys a misspelt key is checked against
// are the ones the schema allows at that place. User text is quoted through quote() (escaped, capped).
import { z } from 'zod';
import { quote } from '../base/quote.js';

type Issue = z.core.$ZodIssue;

/** A key shown as is in a path; anything else (spaces, quotes, control characters, very long) is quoted. */
const PLAIN_KEY = /^[A-Za-z0-9_.-]{1,60}$/;

/** `optimizers[1].betas[0]` from ['optimizers', 1, 'betas', 0]. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else if (!PLAIN_KEY.test(String(seg))) out += `[${quote(String(seg))}]`;
    else out += out === '' ? String(seg) : `.${String(seg)}`;
  }
  return out === '' ? '(top level)' : out;
}

/** Short rendering of a user's value for "got …". */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (typeof value === 'string') return quote(value);
  if (Array.isArray(value)) {
    // only a short list of plain values is shown; never stringify a nested (maybe deeply) one
    const plain = value.length <= 10 && value.every((v) => v === null || typeof v === 'number' || typeof v === 'boolean' || (typeof v === 'string' && v.length <= 40));
    const s = plain ? JSON.stringify(value) : '';
    return plain && s.length <= 40 ? s : `a list of ${value.length}`;
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
function editDistance(a: string, b: string): number {
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

/**
 * The closest candidate within a small edit distance, or undefined. Never the word itself: a word
 * that is already a candidate is not misspelt, so "did you mean" it would only confuse.
 */
export function closest(word: string, candidates: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestDist = Infinity;
  const limit = Math.max(1, Math.min(3, Math.floor(word.length / 3)));
  for (const c of candidates) {
    if (c === word) continue;
    const d = editDistance(word.toLowerCase(), c.toLowerCase());
    if (d < bestDist && d <= limit) {
      best = c;
      bestDist = d;
    }
  }
  return best;
}

type Def = { type: string; [field: string]: unknown };
const defOf = (schema: unknown): Def => (schema as { _zod: { def: Def } })._zod.def;

/**
 * The keys the object schema at `path` allows, following the input through discriminated unions
 * (a key misspelt in an optimizer is checked against that optimizer's options, not another's).
 * Empty when the path does not lead to an object schema.
 */
function keysAt(schema: z.ZodType, path: readonly PropertyKey[], input: unknown): string[] {
  return [...new Set(objectsAt(schema, path, input, 0).flatMap((shape) => Object.keys(shape)))];
}

/** The values a union option's discriminator field accepts (its literal), if it has one. */
function tagValues(option: unknown, discriminator: string): unknown[] {
  const def = defOf(option);
  const field = def.type === 'object' ? (def.shape as Record<string, unknown>)[discriminator] : undefined;
  return field === undefined ? [] : ((defOf(field).values as unknown[] | undefined) ?? []);
}

/** The shapes of the object schemas at `path` (several where a union does not say which). */
function objectsAt(schema: unknown, path: readonly PropertyKey[], input: unknown, depth: number): Record<string, unknown>[] {
  const def = defOf(schema);
  switch (def.type) {
    case 'optional':
    case 'nullable':
    case 'default':
    case 'prefault':
    case 'readonly':
    case 'catch':
    case 'nonoptional':
      return objectsAt(def.innerType, path, input, depth);
    case 'pipe':
      return objectsAt(def.in, path, input, depth);
    case 'union': {
      // a discriminated union: the option the input's tag names; a plain union, or a tag naming no
      // option: every option
      const options = def.options as unknown[];
      const discriminator = def.discriminator as string | undefined;
      const here = valueAt(input, path.slice(0, depth));
      const tag = discriminator !== undefined && here !== null && typeof here === 'object' ? (here as Record<string, unknown>)[discriminator] : undefined;
      const named = discriminator === undefined ? [] : options.filter((o) => tagValues(o, discriminator).includes(tag));
      return (named.length ? named : options).flatMap((o) => objectsAt(o, path, input, depth));
    }
  }
  if (depth === path.length) return def.type === 'object' ? [def.shape as Record<string, unknown>] : [];
  const seg = path[depth];
  switch (def.type) {
    case 'object': {
      const shape = def.shape as Record<string, unknown>;
      return typeof seg === 'string' && Object.hasOwn(shape, seg) ? objectsAt(shape[seg], path, input, depth + 1) : [];
    }
    case 'array':
      return objectsAt(def.element, path, input, depth + 1);
    case 'tuple': {
      const items = def.items as unknown[];
      return typeof seg === 'number' && seg < items.length ? objectsAt(items[seg], path, input, depth + 1) : [];
    }
    case 'record':
      return objectsAt(def.valueType, path, input, depth + 1);
    default:
      return [];
  }
}

function suggest(word: unknown, candidates: Iterable<string>): string {
  if (typeof word !== 'string') return '';
  const hit = closest(word, candidates);
  return hit !== undefined ? ` (did you mean "${hit}"?)` : '';
}

/** One line per problem, `path: expected …, got …`, for issues of `schema` parsing `input`. */
export function formatIssues(issues: readonly Issue[], input: unknown, schema: z.ZodType): string[] {
  const lines: string[] = [];
  for (const issue of issues) {
    const path = formatPath(issue.path);
    const got = describeValue(valueAt(input, issue.path));
    switch (issue.code) {
      case 'invalid_type':
        lines.push(`${path}: expected ${issue.expected}, got ${got}${got === 'nothing' ? ' (it is required)' : ''}`);
        break;
      case 'unrecognized_keys': {
        const allowed = keysAt(schema, issue.path, input);
        for (const key of issue.keys) {
          const hint = suggest(key, allowed);
          const expected = hint || allowed.length === 0 ? 'a known key' : `a known key (${allowed.join(', ')})`;
          lines.push(`${formatPath([...issue.path, key])}: expected ${expected}, got unknown key ${quote(key)}${hint}`);
        }
        break;
      }
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
