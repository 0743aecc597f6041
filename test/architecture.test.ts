// The folder layering of src/ (README "Development"): every import between folders goes down this
// list, so there is no import cycle between folders and the numerical core never reaches up into
// orchestration. Read from the TypeScript sources, where type-only imports are still visible.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const SRC = resolve(dirname(fileURLToPath(import.meta.url)), '../../src');

/** Top to bottom; a folder may import only folders after it. `index` is src/index.ts, the public API. */
const LAYERS = ['index', 'cli', 'run', 'report', 'results', 'train', 'models', 'wasm', 'optim', 'data', 'nn', 'config', 'base'];

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return name === 'assembly' ? [] : sourceFiles(path);
    return path.endsWith('.ts') ? [path] : [];
  });
}

/** The layer of a file under src/: its top folder, or 'index' for files directly in src/. */
function layerOf(file: string): string {
  const parts = relative(SRC, file).split(sep);
  return parts.length === 1 ? 'index' : parts[0]!;
}

/** Every (from folder, to folder, file) of a relative import that crosses folders. */
function crossings(): { from: string; to: string; file: string }[] {
  const out: { from: string; to: string; file: string }[] = [];
  for (const file of sourceFiles(SRC)) {
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(/(?:from|import)\s*\(?\s*'(\.[^']+)'/g)) {
      const target = resolve(dirname(file), m[1]!);
      const from = layerOf(file);
      const to = layerOf(target);
      if (from !== to) out.push({ from, to, file: relative(SRC, file) });
    }
  }
  return out;
}

test('every folder of src/ is in the layer list', () => {
  const folders = readdirSync(SRC).filter((name) => statSync(join(SRC, name)).isDirectory());
  assert.deepEqual(folders.filter((f) => !LAYERS.includes(f)), []);
});

test('imports between folders only go down the layers (no cycles)', () => {
  const edges = crossings();
  assert.ok(edges.length > 50, `expected the cross-folder imports to be found, got ${edges.length}`);
  const upward = edges.filter((e) => LAYERS.indexOf(e.to) <= LAYERS.indexOf(e.from)).map((e) => `${e.file}: ${e.from} → ${e.to}`);
  assert.deepEqual(upward, []);
});

test('the bottom layer imports nothing of ours', () => {
  assert.deepEqual(
    crossings().filter((e) => e.from === 'base'),
    [],
  );
});
