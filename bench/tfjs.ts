// The peer: TensorFlow.js on its CPU backend (pure JS) and its wasm backend (SIMD, one thread), doing
// the same work as our side of the comparison. TensorFlow.js is not a dependency of radam-run: it lives
// in bench/package.json, is installed into bench/node_modules on first use, and is loaded from there at
// run time, so the root `tsc` and `npm ci` never see it. The few calls used are typed below by hand.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import type { Repeat } from './measure.js';
import { fillNormal } from './ours.js';
import { Rng } from '../src/base/rng.js';

// ---- the slice of the TensorFlow.js API used here ----------------------------------------------
export interface Tensor {
  dispose(): void;
  dataSync(): ArrayLike<number>;
}
interface Variable extends Tensor {
  name: string;
}
interface TfOptimizer {
  minimize(f: () => Tensor, returnCost: boolean, varList: Variable[]): Tensor | null;
  applyGradients(grads: Record<string, Tensor>): void;
  dispose(): void;
}
export interface Tf {
  version: Record<string, string>;
  setBackend(name: string): Promise<boolean>;
  ready(): Promise<void>;
  getBackend(): string;
  env(): { getAsync(flag: string): Promise<unknown> };
  memory(): { numTensors: number };
  tidy<T>(f: () => T): T;
  variable(initial: Tensor): Variable;
  tensor1d(values: Float32Array | Int32Array, dtype?: string): Tensor;
  tensor2d(values: Float32Array, shape: [number, number]): Tensor;
  zeros(shape: number[]): Tensor;
  matMul(a: Tensor, b: Tensor): Tensor;
  add(a: Tensor, b: Tensor): Tensor;
  mul(a: Tensor, b: Tensor): Tensor;
  relu(x: Tensor): Tensor;
  sigmoid(x: Tensor): Tensor;
  tanh(x: Tensor): Tensor;
  split(x: Tensor, n: number, axis: number): Tensor[];
  concat(xs: Tensor[], axis: number): Tensor;
  oneHot(indices: Tensor, depth: number): Tensor;
  losses: { softmaxCrossEntropy(onehotLabels: Tensor, logits: Tensor): Tensor };
  train: { adam(lr: number): TfOptimizer };
}

export interface Peer {
  /** Column label, e.g. "tfjs-cpu". */
  name: string;
  backend: 'cpu' | 'wasm';
  detail: string;
}

export interface LoadedPeers {
  tf: Tf | null;
  peers: Peer[];
  /** Why a peer is missing (offline install, failed backend), printed with the tables. */
  skipped: string[];
  version: string | undefined;
}

function wasmDir(benchDir: string): string {
  return join(benchDir, 'node_modules', '@tensorflow', 'tfjs-backend-wasm', 'dist');
}

/**
 * Install the peers into bench/node_modules from bench/package-lock.json if they are missing.
 * Returns why they cannot be had (offline, …), or undefined when they are there.
 */
export function installPeers(benchDir: string, log: (line: string) => void): string | undefined {
  if (existsSync(wasmDir(benchDir))) return undefined;
  log('installing the TensorFlow.js peers into bench/node_modules (npm ci in bench/, once) …');
  // Few retries: offline, fail in seconds rather than a minute.
  const args = ['ci', '--no-audit', '--no-fund', '--prefer-offline', '--fetch-retries=1', '--fetch-retry-mintimeout=1000', '--fetch-retry-maxtimeout=5000'];
  const npm = spawnSync('npm', args, {
    cwd: benchDir,
    stdio: ['ignore', 'pipe', 'pipe'],
    encoding: 'utf8',
    timeout: 300_000,
    shell: process.platform === 'win32',
  });
  if (npm.status === 0 && existsSync(wasmDir(benchDir))) return undefined;
  const why = npm.error?.message ?? npmError(npm.stderr) ?? `npm exited with ${npm.status}`;
  return `TensorFlow.js peers skipped: could not install them into bench/node_modules (${why})`;
}

/**
 * Load TensorFlow.js from bench/node_modules (see installPeers) and start its backends. Never throws:
 * a peer that cannot be had is reported in `skipped`.
 */
export async function loadPeers(benchDir: string): Promise<LoadedPeers> {
  const none = (why: string): LoadedPeers => ({ tf: null, peers: [], skipped: [why], version: undefined });
  const require = createRequire(join(benchDir, 'package.json'));
  let tf: Tf;
  let setWasmPaths: (prefix: string) => void;
  try {
    tf = require('@tensorflow/tfjs') as Tf;
    ({ setWasmPaths } = require('@tensorflow/tfjs-backend-wasm') as { setWasmPaths(prefix: string): void });
  } catch (err) {
    return none(`TensorFlow.js peers skipped: cannot load them from bench/node_modules (${(err as Error).message})`);
  }
  // A file path, not a URL: in Node the wasm binaries are read from disk, no network needed.
  setWasmPaths(wasmDir(benchDir) + '/');
  const peers: Peer[] = [];
  const skipped: string[] = [];
  for (const backend of ['cpu', 'wasm'] as const) {
    const name = `tfjs-${backend}`;
    try {
      if (!(await tf.setBackend(backend))) throw new Error('setBackend returned false');
      await tf.ready();
      let detail = 'pure JS';
      if (backend === 'wasm') {
        const simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
        const threads = await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT');
        detail = `${simd ? 'SIMD' : 'no SIMD'}, ${threads ? 'threads' : 'one thread'}`;
      }
      peers.push({ name, backend, detail });
    } catch (err) {
      skipped.push(`${name} skipped: ${(err as Error).message}`);
    }
  }
  return { tf, peers, skipped, version: tf.version['tfjs-core'] };
}

/** Make `peer`'s backend current (backends keep their own tensors: build workloads after this). */
export async function usePeer(tf: Tf, peer: Peer): Promise<void> {
  await tf.setBackend(peer.backend);
  await tf.ready();
}

/** A peer workload: repeat steps, then free its tensors. */
export interface PeerRun {
  run: Repeat;
  dispose(): void;
}

/** tf.train.adam on one tf.variable of n parameters with a fixed gradient (applyGradients per step). */
export function tfAdam(tf: Tf, n: number): PeerRun {
  const theta = new Float32Array(n);
  const grad = new Float32Array(n);
  fillNormal(theta, 1, 'bench/theta');
  fillNormal(grad, 1, 'bench/grad');
  const v = tf.tidy(() => tf.variable(tf.tensor1d(theta)));
  const g = tf.tensor1d(grad);
  const opt = tf.train.adam(1e-3);
  const grads = { [v.name]: g };
  return {
    run(iterations) {
      for (let i = 0; i < iterations; i++) opt.applyGradients(grads);
    },
    dispose() {
      opt.dispose();
      v.dispose();
      g.dispose();
    },
  };
}

export interface MlpShape {
  batch: number;
  /** Input, hidden…, output widths. */
  widths: number[];
  activation: 'relu' | 'tanh';
}

/**
 * The MLP D → H… → K (ReLU or tanh, softmax cross-entropy) with Adam: one step feeds a fixed batch in
 * from typed arrays (as a loop feeding data would), runs forward, backward and the update, and reads the loss.
 */
export function tfMlp(tf: Tf, s: MlpShape): PeerRun {
  const { widths, batch: B } = s;
  const D = widths[0]!;
  const K = widths[widths.length - 1]!;
  const rng = new Rng(0, 'bench/peer-mlp');
  const x = new Float32Array(B * D);
  fillNormal(x, 1, 'bench/peer-mlp/x');
  const labels = Int32Array.from({ length: B }, () => rng.int(K));
  const layers = widths.slice(1).map((out, l) => ({ w: weight(tf, widths[l]!, out, `w${l}`), b: zerosVariable(tf, out) }));
  const vars = layers.flatMap((l) => [l.w, l.b]);
  const opt = tf.train.adam(1e-3);
  const act = (t: Tensor): Tensor => (s.activation === 'relu' ? tf.relu(t) : tf.tanh(t));
  const loss = (): Tensor => {
    let h = tf.tensor2d(x, [B, D]);
    layers.forEach((l, i) => {
      const z = tf.add(tf.matMul(h, l.w), l.b);
      h = i < layers.length - 1 ? act(z) : z;
    });
    return tf.losses.softmaxCrossEntropy(tf.oneHot(tf.tensor1d(labels, 'int32'), K), h);
  };
  return peerTraining(tf, opt, loss, vars);
}

export interface LstmShape {
  vocab: number;
  embed: number;
  hidden: number;
  seqLen: number;
  batch: number;
}

/**
 * The char LSTM (embedding → one LSTM layer → linear → softmax cross-entropy at every position) with
 * Adam, written with the same structure as ours (src/nn/lstm.ts): the input projection of all time
 * steps in one matMul, then per step z = xW_ih[t] + h·W_hh, gates i f g o, time-major rows.
 */
export function tfLstm(tf: Tf, s: LstmShape): PeerRun {
  const { vocab: V, embed: E, hidden: H, seqLen: T, batch: B } = s;
  const rng = new Rng(0, 'bench/peer-lstm');
  const inputs = Int32Array.from({ length: T * B }, () => rng.int(V));
  const targets = Int32Array.from({ length: T * B }, () => rng.int(V));
  const emb = weight(tf, V, E, 'emb');
  const wih = weight(tf, E, 4 * H, 'wih');
  const whh = weight(tf, H, 4 * H, 'whh');
  const bias = zerosVariable(tf, 4 * H);
  const headW = weight(tf, H, V, 'head');
  const headB = zerosVariable(tf, V);
  const vars = [emb, wih, whh, bias, headW, headB];
  const opt = tf.train.adam(1e-3);
  const loss = (): Tensor => {
    // Embedding lookup as one-hot · table: gather's gradient (UnsortedSegmentSum) has no wasm kernel.
    const x = tf.matMul(tf.oneHot(tf.tensor1d(inputs, 'int32'), V), emb); // (T·B) × E
    const xs = tf.split(tf.add(tf.matMul(x, wih), bias), T, 0); // T × (B × 4H)
    let h = tf.zeros([B, H]);
    let c = tf.zeros([B, H]);
    const hs: Tensor[] = [];
    for (let t = 0; t < T; t++) {
      const z = t === 0 ? xs[0]! : tf.add(xs[t]!, tf.matMul(h, whh));
      const [i, f, g, o] = tf.split(z, 4, 1) as [Tensor, Tensor, Tensor, Tensor];
      c = tf.add(tf.mul(tf.sigmoid(f), c), tf.mul(tf.sigmoid(i), tf.tanh(g)));
      h = tf.mul(tf.sigmoid(o), tf.tanh(c));
      hs.push(h);
    }
    const logits = tf.add(tf.matMul(tf.concat(hs, 0), headW), headB);
    return tf.losses.softmaxCrossEntropy(tf.oneHot(tf.tensor1d(targets, 'int32'), V), logits);
  };
  return peerTraining(tf, opt, loss, vars);
}

function peerTraining(tf: Tf, opt: TfOptimizer, loss: () => Tensor, vars: Variable[]): PeerRun {
  return {
    run(iterations) {
      for (let i = 0; i < iterations; i++) {
        const cost = opt.minimize(loss, true, vars)!;
        cost.dataSync();
        cost.dispose();
      }
    },
    dispose() {
      opt.dispose();
      for (const v of vars) v.dispose();
    },
  };
}

/** A zero bias variable of n entries. */
function zerosVariable(tf: Tf, n: number): Variable {
  return tf.tidy(() => tf.variable(tf.zeros([n])));
}

/** A rows×cols weight variable, N(0, 1/rows) (the scale does not matter for timing, only finiteness). */
function weight(tf: Tf, rows: number, cols: number, purpose: string): Variable {
  const values = new Float32Array(rows * cols);
  fillNormal(values, 1 / Math.sqrt(rows), `bench/peer/${purpose}`);
  return tf.tidy(() => tf.variable(tf.tensor2d(values, [rows, cols])));
}

/**
 * Run `f` with TensorFlow.js's advice to install tfjs-node (printed on the CPU backend's first
 * tensor) filtered out of console.warn; every other warning passes.
 */
export async function withoutTfjsNodeAdvice<T>(f: () => Promise<T>): Promise<T> {
  const warn = console.warn;
  console.warn = (...args: unknown[]) => {
    if (!String(args[0]).includes('tfjs-node')) warn(...args);
  };
  try {
    return await f();
  } finally {
    console.warn = warn;
  }
}

/** The gist of npm's failure: its error code and first message line (e.g. "npm error code EAI_AGAIN"). */
function npmError(stderr: string | undefined): string | undefined {
  const errors = (stderr ?? '').split('\n').filter((l) => l.startsWith('npm error') && !l.includes('complete log'));
  return errors.length > 0 ? errors.slice(0, 2).join('; ') : undefined;
}
