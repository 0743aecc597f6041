// RAdam's rectification scalars (Liu et al., ICLR 2020, eq. 6–8): ρ_∞, ρ_t, r_t and the threshold
// decision, pinned against values derived by hand below. Scalars are float64, so tolerances are tight.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { firstRectifiedStep, rectification, rectify, rhoInf, rhoT } from '../src/optim/rectify.js';
import { assertClose } from './helpers.js';

const BETA2 = 0.999;

test('ρ_∞ = 2/(1−β₂) − 1 is 1999 for β₂ = 0.999 and 19 for β₂ = 0.9', () => {
  // 2/0.001 − 1 = 1999;  2/0.1 − 1 = 19
  assertClose(rhoInf(0.999), 1999, 1e-12);
  assertClose(rhoInf(0.9), 19, 1e-12);
});

test('ρ_1 = 1 for every β₂', () => {
  // ρ_1 = 2/(1−β₂) − 1 − 2β₂/(1−β₂) = 2(1−β₂)/(1−β₂) − 1 = 1
  for (const beta2 of [0.9, 0.98, 0.999, 0.9999]) assertClose(rhoT(beta2, 1), 1, 1e-9, 0, `β₂=${beta2}`);
});

test('ρ_2 = 1999 − 4β₂²/(1−β₂²) ≈ 1.9995 for β₂ = 0.999', () => {
  // β₂² = 0.998001, 1 − β₂² = 0.001999, 4·0.998001/0.001999 = 1997.000500…  →  ρ_2 = 1.999499…
  assertClose(rhoT(BETA2, 2), 1999 - (4 * 0.998001) / 0.001999, 1e-9);
  assertClose(rhoT(BETA2, 2), 1.9995, 1e-4);
});

test('ρ_5 ≈ 4.995998 for β₂ = 0.999', () => {
  // β₂⁵ = 0.995009990004999, 1 − β₂⁵ = 0.004990009995001, 10·β₂⁵/(1 − β₂⁵) = 1994.004002
  // ρ_5 = 1999 − 1994.004002 = 4.995998
  assertClose(rhoT(BETA2, 5), 4.995998, 1e-6);
});

test('r_5 ≈ 0.017312 and r_6 ≈ 0.025821 for β₂ = 0.999', () => {
  // r_t = √((ρ_t−4)(ρ_t−2)ρ_∞ / ((ρ_∞−4)(ρ_∞−2)ρ_t)); with ρ_5 = 4.995998:
  // (0.995998·2.995998·1999) / (1995·1997·4.995998) = 5965.0… / 19904… ≈ 2.99689e-4 → r_5 ≈ 0.017312
  // with ρ_6 = 5.994164: (1.994164·3.994164·1999) / (1995·1997·5.994164) → r_6 ≈ 0.025821
  // tolerance: half a unit in the 6th decimal printed
  assertClose(rectification(BETA2, 5), 0.017312, 0, 5e-7);
  assertClose(rectification(BETA2, 6), 0.025821, 0, 5e-7);
});

test('r_t is written from ρ_t exactly as eq. 8', () => {
  const inf = 1999;
  for (const t of [5, 6, 10, 100, 5000]) {
    const rho = rhoT(BETA2, t);
    const expected = Math.sqrt(((rho - 4) * (rho - 2) * inf) / ((inf - 4) * (inf - 2) * rho));
    assertClose(rectification(BETA2, t), expected, 1e-12, 0, `t=${t}`);
  }
});

test('ρ_t increases with t towards ρ_∞ and r_t increases towards 1', () => {
  let previousRho = -Infinity;
  let previousRect = 0;
  // doubling from t = 6 to 6·2¹⁰ = 6144; beyond that r_t rounds to 1 in float64
  for (let t = 6; t <= 6144; t *= 2) {
    const rho = rhoT(BETA2, t);
    const rect = rectification(BETA2, t);
    assert.ok(rho > previousRho && rho < 1999, `ρ_${t} = ${rho}`);
    assert.ok(rect > previousRect && rect < 1, `r_${t} = ${rect}`);
    previousRho = rho;
    previousRect = rect;
  }
  // at t = 100 000, β₂ᵗ = e^(−100.05) ≈ 3e-44: ρ_t = ρ_∞ and r_t = 1 to float64 precision
  assertClose(rhoT(BETA2, 100_000), 1999, 1e-12);
  assertClose(rectification(BETA2, 100_000), 1, 1e-12);
});

test('with the torch threshold 5, step 5 (ρ_5 ≈ 4.996) is not rectified and reports rect = 0', () => {
  const info = rectify(BETA2, 5, 5);
  assert.equal(info.rectified, false);
  assert.equal(info.rect, 0);
  assertClose(info.rhoT, 4.995998, 1e-6);
});

test('with the torch threshold 5, step 6 is rectified and reports r_6', () => {
  const info = rectify(BETA2, 6, 5);
  assert.equal(info.rectified, true);
  assertClose(info.rect, rectification(BETA2, 6), 1e-12);
  assertClose(info.rhoT, rhoT(BETA2, 6), 1e-12);
});

test("with the paper's threshold 4, step 5 is rectified and step 4 (ρ_4 ≈ 3.9975) is not", () => {
  const five = rectify(BETA2, 5, 4);
  assert.equal(five.rectified, true);
  assertClose(five.rect, 0.017312, 0, 5e-7);
  const four = rectify(BETA2, 4, 4);
  assert.equal(four.rectified, false);
  assert.equal(four.rect, 0);
});

test('the first rectified step is t = 6 with threshold 5 and t = 5 with threshold 4 (β₂ = 0.999)', () => {
  assert.equal(firstRectifiedStep(BETA2, 5), 6);
  assert.equal(firstRectifiedStep(BETA2, 4), 5);
});

test('the first rectified step is null when the threshold is at or above ρ_∞', () => {
  // β₂ = 0.6: ρ_∞ = 2/0.4 − 1 = 4, so ρ_t < 4 < 5 forever
  assert.equal(firstRectifiedStep(0.6, 5), null);
  assert.equal(firstRectifiedStep(BETA2, 1999), null);
});
