// Small statistics for claims: Student's t distribution (via the regularized incomplete beta
// function, Numerical Recipes §6.4) and the one-sided Welch t-test.

/** ln Γ(x) by the Lanczos approximation (g = 7, n = 9), accurate to ~1e-15 for x > 0. */
function logGamma(x: number): number {
  const c = [0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7];
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
  x -= 1;
  let a = c[0]!;
  const t = x + 7.5;
  for (let i = 1; i < 9; i++) a += c[i]! / (x + i);
  return 0.5 * Math.log(2 * Math.PI) + (x + 0.5) * Math.log(t) - t + Math.log(a);
}

/** Continued fraction for the incomplete beta function (modified Lentz). */
function betaContinuedFraction(a: number, b: number, x: number): number {
  const tiny = 1e-300;
  let c = 1;
  let d = 1 - ((a + b) * x) / (a + 1);
  if (Math.abs(d) < tiny) d = tiny;
  d = 1 / d;
  let h = d;
  for (let m = 1; m <= 300; m++) {
    const m2 = 2 * m;
    let aa = (m * (b - m) * x) / ((a + m2 - 1) * (a + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    h *= d * c;
    aa = (-(a + m) * (a + b + m) * x) / ((a + m2) * (a + m2 + 1));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const delta = d * c;
    h *= delta;
    if (Math.abs(delta - 1) < 1e-15) break;
  }
  return h;
}

/** Regularized incomplete beta I_x(a, b). */
function incompleteBeta(x: number, a: number, b: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const front = Math.exp(logGamma(a + b) - logGamma(a) - logGamma(b) + a * Math.log(x) + b * Math.log(1 - x));
  if (x < (a + 1) / (a + b + 2)) return (front * betaContinuedFraction(a, b, x)) / a;
  return 1 - (front * betaContinuedFraction(b, a, 1 - x)) / b;
}

/** P(T ≤ t) for Student's t with `df` degrees of freedom (df may be fractional, as in Welch). */
function studentTCdf(t: number, df: number): number {
  const tail = 0.5 * incompleteBeta(df / (df + t * t), df / 2, 0.5);
  return t >= 0 ? 1 - tail : tail;
}

/** The quantile t with P(T ≤ t) = p, by bisection. */
export function studentTQuantile(p: number, df: number): number {
  let lo = -1e3;
  let hi = 1e3;
  for (let i = 0; i < 200; i++) {
    const mid = 0.5 * (lo + hi);
    if (studentTCdf(mid, df) < p) lo = mid;
    else hi = mid;
  }
  return 0.5 * (lo + hi);
}

export interface WelchResult {
  t: number;
  df: number;
  /** t needed at the requested confidence. */
  critical: number;
  holds: boolean;
}

/**
 * One-sided Welch test of mean(x) > mean(y) + shift at `confidence` (e.g. 0.95). Both samples need at
 * least two values; non-finite values make the test fail (nothing can be concluded).
 */
export function welchGreater(x: number[], y: number[], confidence: number, shift = 0): WelchResult {
  const stats = (v: number[]): [number, number] => {
    const m = v.reduce((a, b) => a + b, 0) / v.length;
    return [m, v.reduce((a, b) => a + (b - m) * (b - m), 0) / (v.length - 1)];
  };
  if (x.length < 2 || y.length < 2 || ![...x, ...y].every(Number.isFinite)) return { t: NaN, df: NaN, critical: NaN, holds: false };
  const [mx, vx] = stats(x);
  const [my, vy] = stats(y);
  const ax = vx / x.length;
  const ay = vy / y.length;
  const se = Math.sqrt(ax + ay);
  const diff = mx - my - shift;
  if (se === 0) return { t: diff > 0 ? Infinity : -Infinity, df: x.length + y.length - 2, critical: 0, holds: diff > 0 };
  const df = (ax + ay) ** 2 / (ax ** 2 / (x.length - 1) + ay ** 2 / (y.length - 1));
  const t = diff / se;
  const critical = studentTQuantile(confidence, df);
  return { t, df, critical, holds: t > critical };
}
