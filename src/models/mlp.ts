// Feed-forward models on vector data: `linear` (no hidden layer: multinomial logistic regression, or
// least squares for regression targets) and `mlp` (hidden layers with an activation). The head is
// softmax cross-entropy for classification datasets and MSE for regression datasets.
// B = batch, D = input dim, K = outputs (classes or targets); layer l maps widths[l] → widths[l+1].
import type { Arena, Param } from '../nn/arena.js';
import type { Kernels } from '../nn/kernels.js';
import type { InitSpec, ModelSpec } from '../config/models.js';
import type { VectorBatch, VectorDataset } from '../data/batch.js';
import { Rng } from '../base/rng.js';
import { linearForward, linearBackward } from '../nn/linear.js';
import { activationForward, activationBackward, type Activation } from '../nn/activation.js';
import { mseForward, mseBackward } from '../nn/mse.js';
import { initLayer } from './init.js';
import { networkTask, zeroAll, type Network } from './neural.js';
import type { Task } from './task.js';

type MlpSpec = Extract<ModelSpec, { kind: 'linear' | 'mlp' }>;

/** The linear layers' parameters, layer l mapping widths[l] → widths[l+1], initialised in order. */
export interface Layers {
  weights: Param[];
  biases: Param[];
}

/** Activations of B rows: pre[l] = output of linear layer l; post[l] = act(pre[l]) for hidden layers; d* their gradients. */
export interface Activations {
  pre: Float32Array[];
  post: Float32Array[];
  dpre: Float32Array[];
  dpost: Float32Array[];
}

export function buildMlp(spec: MlpSpec, data: VectorDataset, arena: Arena, seed: number): Task {
  const B = data.batch;
  const K = data.outputDim;
  const classify = data.task === 'classification';
  const act: Activation = spec.kind === 'mlp' ? spec.activation : 'relu';
  const widths = [data.inputDim, ...(spec.kind === 'mlp' ? spec.hidden : []), K];
  const L = widths.length - 1; // linear layers
  const kernels = arena.kernels;

  const { weights, biases } = linearLayers(arena, widths, new Rng(seed, 'init'), spec.init);
  const batch: VectorBatch = {
    x: arena.floats(B * data.inputDim),
    labels: arena.ints(classify ? B : 0),
    targets: arena.floats(classify ? 0 : B * K),
  };
  const { pre, post, dpre, dpost } = activations(arena, B, widths);
  const out = pre[L - 1]!;
  const dout = dpre[L - 1]!;
  const probs = arena.floats(classify ? B * K : 0);
  const actGrads = [...dpre, ...dpost];

  const stack: DenseStack = { weights, biases, pre, post, dpre, dpost, widths, B, act };
  const net: Network = {
    ...vectorFeed(arena, data, batch),
    forward(): number {
      denseForward(kernels, stack, batch.x);
      return classify ? kernels.softmaxCrossEntropyForward(probs, out, batch.labels, B, K) : mseForward(out, batch.targets, B * K);
    },
    classification: classify,
    correct: () => kernels.countCorrect(out, batch.labels, B, K),
    backward(): void {
      zeroAll(kernels, actGrads);
      if (classify) kernels.softmaxCrossEntropyBackward(dout, probs, batch.labels, B, K, 1 / B);
      else mseBackward(dout, out, batch.targets, B * K, 1);
      denseBackward(kernels, stack, batch.x, null);
    },
  };
  return networkTask(net, kernels);
}

/** The Network fields that feed a model on vector data its batches (one prediction per row). */
export function vectorFeed(arena: Arena, data: VectorDataset, batch: VectorBatch): Pick<Network, 'params' | 'predictions' | 'info' | 'fillTrain' | 'fillVal'> {
  return {
    params: arena.params,
    predictions: data.batch,
    info: data.info,
    fillTrain: (step) => data.fillTrain(step, batch),
    fillVal: (index) => data.fillVal(index, batch),
  };
}

export function linearLayers(arena: Arena, widths: number[], rng: Rng, init: InitSpec): Layers {
  const layers: Layers = { weights: [], biases: [] };
  for (let l = 0; l + 1 < widths.length; l++) {
    const w = arena.param(`fc${l}.w`, [widths[l + 1]!, widths[l]!]);
    const b = arena.param(`fc${l}.b`, [widths[l + 1]!]);
    initLayer(w, b, widths[l]!, rng, init);
    layers.weights.push(w);
    layers.biases.push(b);
  }
  return layers;
}

/** Linear layers with an activation between them (none after the last), on B rows. */
export interface DenseStack extends Layers, Activations {
  widths: number[];
  B: number;
  act: Activation;
}

/** Layer by layer: pre[l] = input(l)·W_lᵀ + b_l, post[l] = act(pre[l]) for hidden layers; input(0) = x. */
export function denseForward(kernels: Kernels, s: DenseStack, x: Float32Array): void {
  const L = s.widths.length - 1;
  for (let l = 0; l < L; l++) {
    linearForward(kernels, s.pre[l]!, l === 0 ? x : s.post[l - 1]!, s.weights[l]!.w, s.biases[l]!.w, s.B, s.widths[l]!, s.widths[l + 1]!);
    if (l < L - 1) activationForward(kernels, s.act, s.post[l]!, s.pre[l]!, s.B * s.widths[l + 1]!);
  }
}

/** From dpre[L − 1] (the head's gradient) down: parameter gradients, and dx += the input's gradient unless dx is null. */
export function denseBackward(kernels: Kernels, s: DenseStack, x: Float32Array, dx: Float32Array | null): void {
  const L = s.widths.length - 1;
  for (let l = L - 1; l >= 0; l--) {
    if (l < L - 1) activationBackward(kernels, s.act, s.dpre[l]!, s.dpost[l]!, s.pre[l]!, s.post[l]!, s.B * s.widths[l + 1]!);
    const input = l === 0 ? x : s.post[l - 1]!;
    const dinp = l === 0 ? dx : s.dpost[l - 1]!;
    linearBackward(kernels, dinp, s.weights[l]!.g, s.biases[l]!.g, s.dpre[l]!, input, s.weights[l]!.w, s.B, s.widths[l]!, s.widths[l + 1]!);
  }
}

export function activations(arena: Arena, B: number, widths: number[]): Activations {
  const a: Activations = { pre: [], post: [], dpre: [], dpost: [] };
  const L = widths.length - 1;
  for (let l = 0; l < L; l++) {
    const n = B * widths[l + 1]!;
    a.pre.push(arena.floats(n));
    a.dpre.push(arena.floats(n));
    const hiddenLayer = l < L - 1;
    a.post.push(arena.floats(hiddenLayer ? n : 0));
    a.dpost.push(arena.floats(hiddenLayer ? n : 0));
  }
  return a;
}
