// The files of a claims check (reproduce): claims.csv and claims.json, one row per claim, and the
// JUnit XML of the same results for CI; with what a reader checks of claims.csv.
import type { Metric } from '../config/claims.js';
import { formatLoss, name, num, numberOrEmpty, oneOf, text, toCsv, type CellKind } from './cells.js';
import { JUNIT_MARK } from './paths.js';

export interface ClaimResult {
  claim: string;
  metric: Metric;
  optimizer: string;
  baseline: string;
  comparison: 'better_than' | 'below' | 'above' | 'equals';
  observed: number;
  baselineValue: number | undefined;
  expected: string;
  /** Distance from failing, in the metric's units: > 0 holds (≥ 0 for equals), < 0 fails. */
  margin: number;
  status: 'PASS' | 'FAIL';
  detail: string;
}

const CLAIMS_COLUMNS = ['claim', 'metric', 'optimizer', 'baseline', 'comparison', 'observed', 'expected', 'margin', 'status'] as const;

export function claimsCsv(results: ClaimResult[]): string {
  return toCsv(
    CLAIMS_COLUMNS,
    results.map((r) => [r.claim, r.metric, r.optimizer, r.baseline, r.comparison, num(r.observed), r.expected, num(r.margin), r.status]),
  );
}

export function claimsJson(experiment: string, claims: ClaimResult[]): string {
  return JSON.stringify({ experiment, claims }, null, 2) + '\n';
}

/** claims.csv read back: every column (an experiment without claims gets a header only). */
export const CLAIMS = {
  columns: {
    claim: name,
    metric: name,
    optimizer: text,
    baseline: text,
    comparison: text,
    observed: numberOrEmpty,
    expected: text,
    margin: numberOrEmpty,
    status: oneOf('PASS', 'FAIL'),
  } satisfies Record<(typeof CLAIMS_COLUMNS)[number], CellKind<unknown>>,
  optional: {},
};

function xml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** JUnit XML: one test case per claim, failures carrying the observed value and the expectation. */
export function claimsJunit(suite: string, results: ClaimResult[], seconds: number): string {
  const failures = results.filter((r) => r.status === 'FAIL').length;
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `${JUNIT_MARK} tests="${results.length}" failures="${failures}" time="${seconds.toFixed(3)}">`,
    `  <testsuite name="${xml(suite)}" tests="${results.length}" failures="${failures}" errors="0" skipped="0" time="${seconds.toFixed(3)}">`,
  ];
  for (const r of results) {
    lines.push(`    <testcase classname="${xml(suite)}" name="${xml(r.claim)}">`);
    const outcome = `observed ${formatLoss(r.observed)}, expected ${r.expected}; ${r.detail}`;
    if (r.status === 'FAIL') lines.push(`      <failure message="${xml(outcome)}">${xml(outcome)}</failure>`);
    else lines.push(`      <system-out>${xml(outcome)}</system-out>`);
    lines.push('    </testcase>');
  }
  lines.push('  </testsuite>', '</testsuites>', '');
  return lines.join('\n');
}
