// report.html in a real browser: headless Chromium (Debian's `chromium` package, installed by
// .ci/run) driven by playwright-core opens the page from file:// with the network off, finds every
// chart rendered with a nonzero size, and saves a screenshot. Fails, never skips, without Chromium.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type BrowserContext } from 'playwright-core';
import { writeReport } from '../src/report/report.js';
import { reproduceOutput, sweepOutput, tmp } from './plot-fixtures.js';

const CHROMIUM = '/usr/bin/chromium';
/**
 * Deadline of Chromium's start and of each page action. A hang guard only: Playwright's defaults (30 s
 * per navigation or screenshot) are within reach of a loaded 2-core machine starting a browser.
 */
const HANG_GUARD_MS = 300_000;

let context: BrowserContext;
let userDataDir: string;
let reproduce: string;
let sweep: string;

before(async () => {
  const dir = tmp('radam-browser-');
  reproduce = reproduceOutput(dir);
  sweep = sweepOutput(dir);
  assert.ok(existsSync(CHROMIUM), `${CHROMIUM} not found: install Debian's chromium (apt-get install -y --no-install-recommends chromium; .ci/run does this)`);
  userDataDir = mkdtempSync(join(tmpdir(), 'radam-chromium-profile-'));
  context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    offline: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    timeout: HANG_GUARD_MS,
  });
  context.setDefaultTimeout(HANG_GUARD_MS);
});

after(async () => {
  await context?.close();
  if (userDataDir) rmSync(userDataDir, { recursive: true, force: true });
});

/** Open a report offline; every request other than the file itself is recorded as a failure. */
async function openReport(dir: string): Promise<{ charts: { id: string; width: number; height: number; marks: number }[]; requests: string[]; screenshot: string }> {
  const { html, svgs } = await writeReport(dir);
  const page = await context.newPage();
  const requests: string[] = [];
  const url = pathToFileURL(html).href;
  page.on('request', (r) => {
    if (r.url() !== url) requests.push(r.url());
  });
  await page.setViewportSize({ width: 1000, height: 800 });
  await page.goto(url, { waitUntil: 'load' });
  const charts = await page.$$eval('figure.chart', (figures) =>
    figures.map((f) => {
      const svg = f.querySelector('svg');
      const box = svg?.getBoundingClientRect();
      // drawn marks: Vega's mark groups with at least one child element
      const marks = svg ? [...svg.querySelectorAll('g.role-mark')].filter((g) => g.childElementCount > 0).length : 0;
      return { id: f.id, width: box?.width ?? 0, height: box?.height ?? 0, marks };
    }),
  );
  const screenshot = join(mkdtempSync(join(tmpdir(), 'radam-report-shot-')), 'report.png');
  await page.screenshot({ path: screenshot, fullPage: true });
  await page.close();
  assert.equal(charts.length, svgs.length, 'one figure per chart file');
  return { charts, requests, screenshot };
}

test('report.html of a reproduce directory renders every chart in headless Chromium, offline', async (t) => {
  const { charts, requests, screenshot } = await openReport(reproduce);
  assert.deepEqual(
    charts.map((c) => c.id),
    ['chart-train-loss', 'chart-effective-step', 'chart-update-norm', 'chart-grad-norm', 'chart-rho', 'chart-r', 'chart-alr-mean', 'chart-alr-cv'],
  );
  for (const c of charts) {
    assert.ok(c.width > 100 && c.height > 100, `${c.id} rendered ${c.width}×${c.height}`);
    assert.ok(c.marks > 0, `${c.id} has drawn marks`);
  }
  assert.deepEqual(requests, [], 'the page requests nothing');
  assert.ok(statSync(screenshot).size > 10_000, `screenshot ${screenshot}`);
  t.diagnostic(`screenshot: ${screenshot}`);
});

test('report.html of a sweep renders its charts too', async () => {
  const { charts, requests } = await openReport(sweep);
  assert.deepEqual(
    charts.map((c) => c.id),
    ['chart-lr-robustness', 'chart-best-train-loss'],
  );
  for (const c of charts) assert.ok(c.width > 100 && c.height > 100 && c.marks > 0, `${c.id} rendered`);
  assert.deepEqual(requests, []);
  assert.ok(readdirSync(join(sweep, 'plots')).length === 2);
});

test('at 1280 px the outcome columns are in view without scrolling: the claims table fits, its status and the runs outcome lead', async () => {
  const { html } = await writeReport(reproduce);
  const page = await context.newPage();
  await page.setViewportSize({ width: 1280, height: 800 });
  await page.goto(pathToFileURL(html).href, { waitUntil: 'load' });
  const tables = await page.$$eval('#claims div.table', (divs) => divs.map((d) => ({ scroll: d.scrollWidth, client: d.clientWidth })));
  const statuses = await page.$$eval('td.status', (cells) => cells.map((c) => c.getBoundingClientRect().right));
  await page.close();
  assert.equal(tables.length, 1);
  for (const t of tables) assert.ok(t.scroll <= t.client, `a table scrolls: ${t.scroll} > ${t.client}`);
  // the claims' status and the runs' diverged column
  assert.ok(statuses.length >= 2 + 2);
  for (const right of statuses) assert.ok(right <= 1280, `a status cell ends at ${right}px`);
});
