// Load an experiment: read YAML or JSON (by extension), apply CLI overrides (`--set a.b=c`,
// `--steps`, `--seeds`), validate against the zod schema, and resolve names and relative paths.
// Every problem is collected and thrown at once as a ConfigError.
import { readFileSync } from 'node:fs';
import { dirname, extname, isAbsolute, resolve } from 'node:path';
import { parse as parseYaml, YAMLParseError } from 'yaml';
import { Experiment, resolveNames, type ResolvedExperiment } from './schema.js';
import { ConfigError } from './errors.js';
import { formatIssues, keyVocabulary } from './format.js';

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

let vocabulary: Set<string> | undefined;
function schemaVocabulary(): Set<string> {
  vocabulary ??= keyVocabulary(Experiment);
  return vocabulary;
}

/** Parse a config file's text by its extension. */
export function parseConfigText(text: string, file: string): unknown {
  const ext = extname(file).toLowerCase();
  if (ext === '.json') {
    try {
      return JSON.parse(text);
    } catch (err) {
      throw new ConfigError(`${file}: expected valid JSON, got a syntax error (${(err as Error).message})`);
    }
  }
  if (ext === '.yaml' || ext === '.yml') {
    try {
      return parseYaml(text, { prettyErrors: true, uniqueKeys: true });
    } catch (err) {
      const msg = err instanceof YAMLParseError ? err.message.split('\n')[0] : (err as Error).message;
      throw new ConfigError(`${file}: expected valid YAML, got a syntax error (${msg})`);
    }
  }
  throw new ConfigError(`${file}: expected a .yaml, .yml or .json file, got "${ext || 'no extension'}"`);
}

export function readConfigFile(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new ConfigError(`${file}: expected a readable config file, got ${code === 'ENOENT' ? 'no such file' : code ?? String(err)}`);
  }
  const raw = parseConfigText(text, file);
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new ConfigError(`${file}: expected a mapping of config fields at the top level, got ${Array.isArray(raw) ? 'a list' : String(raw)}`);
  }
  return raw;
}

/** Validate an already-parsed config object (after overrides). `baseDir` resolves relative paths. */
export function validateExperiment(raw: unknown, baseDir: string): ResolvedExperiment {
  const parsed = Experiment.safeParse(raw);
  if (!parsed.success) throw new ConfigError(formatIssues(parsed.error.issues, raw, schemaVocabulary()));
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

export function applyOverrides(raw: unknown, overrides: Overrides): void {
  const problems: string[] = [];
  for (const assignment of overrides.set ?? []) {
    const eq = assignment.indexOf('=');
    if (eq <= 0) {
      problems.push(`--set ${assignment}: expected path=value (e.g. optimizers.radam.lr=3e-3), got no "="`);
      continue;
    }
    const path = assignment.slice(0, eq).trim();
    const text = assignment.slice(eq + 1);
    let value: unknown;
    try {
      value = parseYaml(text);
    } catch {
      value = text;
    }
    const problem = setPath(raw, path, value === undefined ? text : value);
    if (problem) problems.push(`--set ${path}: ${problem}`);
  }
  const obj = raw as Record<string, unknown>;
  if (overrides.steps !== undefined) obj.steps = overrides.steps;
  if (overrides.seeds !== undefined) obj.seeds = overrides.seeds;
  if (problems.length) throw new ConfigError(problems);
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
        return `expected an item of ${where} named one of ${names.map((n) => `"${n}"`).join(', ') || '(none)'} or an index < ${cur.length}, got "${seg}"`;
      }
      if (last) cur[index] = value;
      else {
        const next = cur[index];
        if (next === null || typeof next !== 'object') return `expected ${where}.${seg} to be a mapping or list, got ${String(next)}`;
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
        if (next === null || typeof next !== 'object') return `expected ${[...segments.slice(0, i + 1)].join('.')} to be a mapping or list, got ${JSON.stringify(next)}`;
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
