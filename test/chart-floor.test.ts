// The loss floor on the loss charts: markov-text data knows its exact entropy rate (the best achievable
// cross-entropy, summary.csv's entropy_rate); the training and validation loss charts draw it as a
// labelled rule, and data without one (blobs) gets none.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { buildCharts } from '../src/report/charts/index.js';
import { renderSvg } from '../src/report/report.js';
import { readOutputDir } from '../src/results/output-data.js';
import { cli, tmp } from './plot-fixtures.js';

type Json = Record<string, any>;

function compare(config: string): string {
  const out = join(tmp('radam-floor-'), 'out');
  const r = cli(['compare', config, '--steps', '30', '--set', 'eval.every=10', '--out', out, '-q']);
  assert.equal(r.code, 0, r.stderr);
  return out;
}

const ruleOf = (spec: Json): Json | undefined => (spec.layer as Json[]).find((l) => l.mark.type === 'rule');

test('markov-text: the train and validation loss charts carry a rule at the entropy rate of summary.csv, labelled', async () => {
  const dir = compare('configs/lstm.json');
  const summary = parse(readFileSync(join(dir, 'summary.csv'), 'utf8'), { columns: true }) as Json[];
  const rate = Number(summary[0]!.entropy_rate);
  assert.ok(rate > 0 && summary.every((r) => Number(r.entropy_rate) === rate), 'every run reports the same entropy rate');
  const charts = buildCharts(readOutputDir(dir));
  for (const name of ['train-loss', 'val-loss']) {
    const spec = charts.find((c) => c.name === name)!.spec as Json;
    const rule = ruleOf(spec);
    assert.ok(rule, `${name}: a rule`);
    assert.deepEqual(rule.data.values.map((v: Json) => v.floor), [rate]);
    const text = (spec.layer as Json[]).find((l) => l.mark.type === 'text')!;
    assert.match(text.data.values[0].label, /^entropy rate of the data: [\d.]+ \(best achievable loss\)$/);
    const svg = await renderSvg(spec as never);
    assert.ok(svg.includes('entropy rate of the data'), `${name}: the label is drawn`);
  }
  // accuracy charts have no loss floor
  const acc = buildCharts(readOutputDir(dir), { metric: 'accuracy' }).find((c) => c.name === 'train-accuracy');
  if (acc) assert.equal(ruleOf(acc.spec as Json), undefined);
});

test('blobs (no entropy rate): no floor rule', () => {
  const dir = compare('configs/mlp.yaml');
  const spec = buildCharts(readOutputDir(dir)).find((c) => c.name === 'train-loss')!.spec as Json;
  assert.equal(ruleOf(spec), undefined);
});
