// Seeded pseudo-random streams. Every random stream of a run is derived from (seed, purpose), so a
// run's numbers depend only on its spec — never on Math.random, time, or which worker ran it.
// Generator: xoshiro128** (Blackman & Vigna), its state seeded through splitmix32 from an FNV-1a hash
// of (seed, purpose). test/rng.test.ts checks all three against published reference outputs.

/** 32-bit FNV-1a hash of a string's UTF-16 code units (its bytes, for ASCII text). */
function hashString(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/**
 * One step of splitmix32: a Weyl sequence (increment 0x9e3779b9, 2³²/φ) whose state is scrambled by
 * MurmurHash3's 32-bit finalizer fmix32 (Appleby). Returns [next state, output].
 */
function splitmix32(state: number): [number, number] {
  state = (state + 0x9e3779b9) | 0;
  let z = state;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  z ^= z >>> 16;
  return [state, z >>> 0];
}

export class Rng {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;
  private spareNormal = 0;
  private hasSpare = false;

  /** A stream named by `purpose` (e.g. "init", "data/train", "noise") under an integer `seed`. */
  constructor(seed: number, purpose = '') {
    let st = hashString(`${seed}\u0000${purpose}`);
    const out: number[] = [];
    for (let i = 0; i < 4; i++) {
      const [next, z] = splitmix32(st);
      st = next;
      out.push(z);
    }
    [this.s0, this.s1, this.s2, this.s3] = out as [number, number, number, number];
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1;
  }

  /** Uniform 32-bit unsigned integer: xoshiro128** 1.1 (https://prng.di.unimi.it/xoshiro128starstar.c). */
  nextU32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9) >>> 0;
    const t = this.s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  /** Uniform in [0, 1) with 53 random bits. */
  uniform(): number {
    const hi = this.nextU32() >>> 5; // 27 bits
    const lo = this.nextU32() >>> 6; // 26 bits
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.uniform() * n);
  }

  /** Standard normal N(0, 1) by Marsaglia's polar method (pairs cached; no trigonometry). */
  normal(): number {
    if (this.hasSpare) {
      this.hasSpare = false;
      return this.spareNormal;
    }
    let u: number;
    let v: number;
    let s: number;
    do {
      u = 2 * this.uniform() - 1;
      v = 2 * this.uniform() - 1;
      s = u * u + v * v;
    } while (s >= 1 || s === 0);
    const scale = Math.sqrt((-2 * Math.log(s)) / s);
    this.spareNormal = v * scale;
    this.hasSpare = true;
    return u * scale;
  }

  /**
   * Gamma(shape, 1) for shape ≥ 1 by Marsaglia & Tsang (2000). Smaller shapes need the boost
   * Gamma(a) = Gamma(a + 1)·U^(1/a), which underflows float64 at small a: markov.ts applies it in log space.
   */
  gamma(shape: number): number {
    if (!(shape >= 1)) throw new Error(`Rng.gamma: expected shape ≥ 1, got ${shape}`);
    const d = shape - 1 / 3;
    const c = 1 / Math.sqrt(9 * d);
    for (;;) {
      let x: number;
      let v: number;
      do {
        x = this.normal();
        v = 1 + c * x;
      } while (v <= 0);
      v = v * v * v;
      const u = this.uniform();
      if (u < 1 - 0.0331 * x * x * x * x) return d * v;
      if (Math.log(u) < 0.5 * x * x + d * (1 - v + Math.log(v))) return d * v;
    }
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}
