// Load an experiment: read YAML or JSON (by extension), apply CLI overrides (`--set a.b=c`,
// `--steps`, `--seeds`), validate against the zod schema, and resolve names and relative paths.
// Every problem is collected and thrown at once as a ConfigError.
import { readFileSync, statSync } from 'node:fs';
import { dirname, extname, isAbsolute, resolve } from 'node:path';
import { parseDocument } from 'yaml';
import { Experiment, resolveNames, type ResolvedExperiment } from './schema.js';
import { ConfigError } from '../base/errors.js';
import { describeValue, formatIssues, formatPath } from './format.js';
import { fileKind, printable, quote } from '../base/quote.js';

export interface Overrides {
  /** `path=value` assignments; value parsed as YAML (numbers, booleans, lists). */
  set?: string[];
  steps?: number;
  seeds?: number[];
}

export interface LoadedExperiment {
  experiment: ResolvedExperiment;
  /** The config as written plus overrides, before defaults (kept in the manifest). */
  raw: unknown;
  file: string;
  /** Directory that relative paths in the config are resolved against (the config file's). */
  baseDir: string;
}

/** A config file larger than this is refused before it is read (the largest shipped one is a few KiB). */
export const MAX_CONFIG_BYTES = 16 * 1024 * 1024;

/** Parse a config file's text by its extension. A leading byte order mark is ignored. */
function parseConfigText(text: string, file: string): unknown {
  const ext = extname(file).toLowerCase();
  if (text.startsWith('\uFEFF')) text = text.slice(1);
  if (ext === '.json') {
    try {
      return JSON.parse(text);
    } catch (err) {
      // V8's message may quote a few characters of the text around the error, newlines included
      throw new ConfigError(`${printable(file)}: expected valid JSON, got a syntax error (${printable((err as Error).message, 120)})`);
    }
  }
  if (ext === '.yaml' || ext === '.yml') {
    // warnings (an unresolved tag, a collection as a key) are errors here: the value would silently
    // differ from what was written, and the library would print them as multi-line excerpts
    let problem: Error | undefined;
    let value: unknown;
    try {
      const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true, logLevel: 'silent' });
      problem = doc.errors[0] ?? doc.warnings[0];
      if (problem === undefined) value = doc.toJS();
    } catch (err) {
      problem = err as Error; // e.g. an unresolved alias or an alias bomb, found while building the value
    }
    // prettyErrors puts "at line L, column C:" on the first line and an excerpt of the text after it
    const first = problem?.message.split('\n')[0]!.replace(/:$/, '');
    if (first !== undefined) throw new ConfigError(`${printable(file)}: expected valid YAML, got a syntax error (${printable(first, 120)})`);
    return value;
  }
  throw new ConfigError(`${printable(file)}: expected a .yaml, .yml or .json file, got ${quote(ext || 'no extension')}`);
}

/**
 * A config file's text. The file is checked with stat before it is opened: a directory, pipe or
 * device (/dev/zero, a FIFO nobody writes to) would fail late or never finish reading, and a
 * huge file is refused unread. Text must be UTF-8 (a BOM is allowed); binary data is refused.
 */
function readConfigText(file: string): string {
  const shown = printable(file);
  let bytes: Buffer;
  try {
    const stat = statSync(file);
    if (!stat.isFile()) throw new ConfigError(`${shown}: expected a config file, got ${fileKind(stat)}`);
    if (stat.size > MAX_CONFIG_BYTES) {
      throw new ConfigError(`${shown}: expected a config file of at most ${MAX_CONFIG_BYTES / 1024 / 1024} MiB, got ${(stat.size / 1024 / 1024).toFixed(1)} MiB`);
    }
    bytes = readFileSync(file);
  } catch (err) {
    if (err instanceof ConfigError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    throw new ConfigError(`${shown}: expected a readable config file, got ${code === 'ENOENT' ? 'no such file' : code ?? printable(String(err))}`);
  }
  if ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff)) {
    throw new ConfigError(`${shown}: expected UTF-8 text, got UTF-16 (save the file as UTF-8)`);
  }
  if (bytes.includes(0)) throw new ConfigError(`${shown}: expected a text config file, got binary data (a NUL byte at offset ${bytes.indexOf(0)})`);
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    const line = bytes.toString('utf8').split('\uFFFD')[0]!.split('\n').length;
    throw new ConfigError(`${shown}: expected UTF-8 text, got bytes that are not UTF-8 (line ${line})`);
  }
}

function readConfigFile(file: string): unknown {
  const raw = parseConfigText(readConfigText(file), file);
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new ConfigError(`${printable(file)}: expected a mapping of config fields at the top level, got ${Array.isArray(raw) ? 'a list' : describeValue(raw)}`);
  }
  return raw;
}

/** Deeper than this, a config is refused before validation (real ones nest about 6 levels). */
export const MAX_CONFIG_DEPTH = 32;

/**
 * The path to the first value nested deeper than MAX_CONFIG_DEPTH, or undefined. Values under
 * `z.unknown()` (swept values, claim points) are otherwise unchecked, and printing, hashing or
 * copying a very deep one overflows the stack.
 */
function tooDeep(value: unknown, path: PropertyKey[] = []): PropertyKey[] | undefined {
  if (value === null || typeof value !== 'object') return undefined;
  if (path.length >= MAX_CONFIG_DEPTH) return path;
  for (const [key, item] of Object.entries(value)) {
    const found = tooDeep(item, [...path, Array.isArray(value) ? Number(key) : key]);
    if (found) return found;
  }
  return undefined;
}

/** Validate an already-parsed config object (after overrides). `baseDir` resolves relative paths. */
export function validateExperiment(raw: unknown, baseDir: string): ResolvedExperiment {
  const deep = tooDeep(raw);
  if (deep) throw new ConfigError(`${formatPath(deep)}: expected at most ${MAX_CONFIG_DEPTH} levels of nesting, got more`);
  const parsed = Experiment.safeParse(raw);
  if (!parsed.success) throw new ConfigError(formatIssues(parsed.error.issues, raw, Experiment));
  const exp = resolveNames(parsed.data);
  const data = exp.data as { path?: unknown } | undefined;
  if (data && typeof data.path === 'string' && !isAbsolute(data.path)) data.path = resolve(baseDir, data.path);
  return exp;
}

export function loadExperiment(file: string, overrides: Overrides = {}): LoadedExperiment {
  const raw = readConfigFile(file);
  applyOverrides(raw, overrides);
  const baseDir = dirname(resolve(file));
  return { experiment: validateExperiment(raw, baseDir), raw, file, baseDir };
}

function applyOverrides(raw: unknown, overrides: Overrides): void {
  const problems: string[] = [];
  for (const assignment of overrides.set ?? []) {
    const eq = assignment.indexOf('=');
    if (eq <= 0) {
      problems.push(`--set ${printable(assignment)}: expected path=value (e.g. optimizers.radam.lr=3e-3), got no "="`);
      continue;
    }
    const path = assignment.slice(0, eq).trim();
    const text = assignment.slice(eq + 1);
    const problem = setPath(raw, path, overrideValue(text));
    if (problem) problems.push(`--set ${printable(path)}: ${problem}`);
  }
  const obj = raw as Record<string, unknown>;
  if (overrides.steps !== undefined) {
    obj.steps = overrides.steps;
    delete obj.epochs; // --steps replaces a config's epochs
  }
  if (overrides.seeds !== undefined) obj.seeds = overrides.seeds;
  if (problems.length) throw new ConfigError(problems);
}

/** A `--set` value: YAML (numbers, booleans, lists) when it parses cleanly, else the text as written. */
function overrideValue(text: string): unknown {
  try {
    const doc = parseDocument(text, { logLevel: 'silent' });
    const value: unknown = doc.errors.length || doc.warnings.length ? undefined : doc.toJS();
    return value === undefined ? text : value;
  } catch {
    return text; // e.g. an alias, which has no anchor in a one-value document
  }
}

/**
 * Assign `value` at a dotted path. List items are addressed by index or, in lists of named things
 * (optimizers), by `name` (falling back to `kind` for unnamed items). Returns a problem or undefined.
 */
export function setPath(root: unknown, path: string, value: unknown): string | undefined {
  const segments = path.split('.');
  if (segments.some((s) => s === '')) return 'expected a dotted path like optimizers.adam.lr, got an empty segment';
  const forbidden = segments.find((s) => s === '__proto__' || s === 'constructor' || s === 'prototype');
  if (forbidden) return `expected config field names, got "${forbidden}"`;
  let cur = root as Record<string, unknown> | unknown[];
  for (let i = 0; i < segments.length; i++) {
    const seg = segments[i]!;
    const last = i === segments.length - 1;
    const where = segments.slice(0, i).join('.') || '(top level)';
    if (Array.isArray(cur)) {
      const index = /^\d+$/.test(seg) ? Number(seg) : cur.findIndex((item) => nameOf(item) === seg);
      if (index < 0 || index >= cur.length) {
        const names = cur.map(nameOf).filter((n): n is string => n !== undefined);
        return `expected an item of ${printable(where)} named one of ${names.map((n) => quote(n, 40)).join(', ') || '(none)'} or an index < ${cur.length}, got ${quote(seg)}`;
      }
      if (last) cur[index] = value;
      else {
        const next = cur[index];
        if (next === null || typeof next !== 'object') return `expected ${printable(`${where}.${seg}`)} to be a mapping or list, got ${describeValue(next)}`;
        cur = next as Record<string, unknown>;
      }
    } else {
      if (last) cur[seg] = value;
      else {
        let next = cur[seg];
        if (next === undefined) {
          next = {};
          cur[seg] = next;
        }
        if (next === null || typeof next !== 'object') return `expected ${printable(segments.slice(0, i + 1).join('.'))} to be a mapping or list, got ${describeValue(next)}`;
        cur = next as Record<string, unknown>;
      }
    }
  }
  return undefined;
}

function nameOf(item: unknown): string | undefined {
  if (item === null || typeof item !== 'object') return undefined;
  const o = item as { name?: unknown; kind?: unknown };
  if (typeof o.name === 'string') return o.name;
  if (typeof o.kind === 'string') return o.kind;
  return undefined;
}
