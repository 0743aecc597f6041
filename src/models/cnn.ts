// The `cnn` model: a convolutional classifier of 1×28×28 images (fashion-mnist, mnist), as DeepOBS's
// nets: blocks of conv → ReLU → (optional) max-pool, flatten, ReLU dense layers, a linear output layer,
// softmax cross-entropy. Activations are NCHW; the last block's output is already the flattened
// (B, C·H·W) matrix the first dense layer reads (see src/nn/conv2d.ts).
// B = batch, K = classes; block i maps (C_i, H_i, W_i) → (C_{i+1}, H_{i+1}, W_{i+1}); dense layer l maps
// widths[l] → widths[l+1], widths[0] = the flattened features.
import type { Arena } from '../nn/arena.js';
import type { ModelSpec } from '../config/models.js';
import type { VectorBatch, VectorDataset } from '../data/batch.js';
import { ConfigError } from '../base/errors.js';
import { Rng } from '../base/rng.js';
import { conv2dBuffers, conv2dGeometry, conv2dParams, type Conv2dBuffers, type Conv2dParams } from '../nn/conv2d.js';
import { maxPool2dBuffers, pooledSize, type MaxPool2dBuffers } from '../nn/maxpool2d.js';
import { initLayer } from './init.js';
import { activations, denseBackward, denseForward, linearLayers, vectorFeed, type DenseStack } from './mlp.js';
import { networkTask, zeroAll, type Network } from './neural.js';
import type { Task } from './task.js';

type CnnSpec = Extract<ModelSpec, { kind: 'cnn' }>;

/** The input images: one channel, 28×28 (the MNIST kinds' 784 inputs, row-major). */
export const CNN_INPUT = { C: 1, H: 28, W: 28 } as const;

/** One conv → ReLU → pool block and its buffers; `out`/`dout` are the block's output (the pool's, or the ReLU's). */
interface Block {
  p: Conv2dParams;
  conv: Conv2dBuffers;
  act: Float32Array;
  dact: Float32Array;
  pool: MaxPool2dBuffers | null;
  out: Float32Array;
  dout: Float32Array;
}

/** The (C, H, W) of each block's input and output, in order: planes[i] → planes[i+1]; throws a ConfigError if a plane vanishes. */
export function cnnPlanes(spec: CnnSpec): { C: number; H: number; W: number; pooled: boolean }[] {
  const planes: { C: number; H: number; W: number; pooled: boolean }[] = [{ ...CNN_INPUT, pooled: false }];
  spec.conv.forEach((layer, i) => {
    const { C, H, W } = planes[i]!;
    const field = `model.conv[${i}]`;
    if (layer.padding === 'valid' && (H < layer.kernel || W < layer.kernel)) {
      throw new ConfigError(`${field}.kernel: expected at most the input plane ${H}×${W} with padding valid, got ${layer.kernel}`);
    }
    const g = conv2dGeometry(C, H, W, layer.channels, layer.kernel, layer.stride, layer.padding);
    const pool = layer.pool ?? spec.pool;
    if (pool === 'none') {
      planes.push({ C: layer.channels, H: g.Ho, W: g.Wo, pooled: false });
      return;
    }
    if (g.Ho < pool.kernel || g.Wo < pool.kernel) {
      throw new ConfigError(`${field}: expected a conv output of at least the ${pool.kernel}×${pool.kernel} pool window, got ${g.Ho}×${g.Wo}`);
    }
    planes.push({ C: layer.channels, H: pooledSize(g.Ho, pool.kernel, pool.stride), W: pooledSize(g.Wo, pool.kernel, pool.stride), pooled: true });
  });
  return planes;
}

export function buildCnn(spec: CnnSpec, data: VectorDataset, arena: Arena, seed: number): Task {
  const { C, H, W } = CNN_INPUT;
  if (data.inputDim !== C * H * W || data.task !== 'classification') {
    throw new ConfigError(`data: expected ${C}×${H}×${W} images with class labels for model "cnn", got ${data.inputDim} inputs (${data.task})`);
  }
  const B = data.batch;
  const K = data.outputDim;
  const kernels = arena.kernels;
  const rng = new Rng(seed, 'init');
  const blocks = convBlocks(spec, arena, B, rng);
  const last = blocks[blocks.length - 1]!;
  const widths = [last.out.length / B, ...spec.dense, K];
  const L = widths.length - 1;
  const { weights, biases } = linearLayers(arena, widths, rng, spec.init);
  const batch: VectorBatch = { x: arena.floats(B * C * H * W), labels: arena.ints(B), targets: arena.floats(0) };
  const { pre, post, dpre, dpost } = activations(arena, B, widths);
  const probs = arena.floats(B * K);
  const logits = pre[L - 1]!;
  const dense: DenseStack = { weights, biases, pre, post, dpre, dpost, widths, B, act: 'relu' };
  const actGrads = [...blocks.flatMap((b) => [b.conv.dout, b.dact, ...(b.pool ? [b.pool.dout] : [])]), ...dpre, ...dpost];
  const blockInput = (i: number): Float32Array => (i === 0 ? batch.x : blocks[i - 1]!.out);

  const net: Network = {
    ...vectorFeed(arena, data, batch),
    forward(): number {
      for (let i = 0; i < blocks.length; i++) {
        const b = blocks[i]!;
        kernels.conv2dForward(b.conv, b.p, blockInput(i));
        kernels.reluForward(b.act, b.conv.out, b.act.length);
        if (b.pool !== null) kernels.maxPool2dForward(b.pool, b.act);
      }
      denseForward(kernels, dense, last.out);
      return kernels.softmaxCrossEntropyForward(probs, logits, batch.labels, B, K);
    },
    classification: true,
    correct: () => kernels.countCorrect(logits, batch.labels, B, K),
    backward(): void {
      zeroAll(kernels, actGrads);
      kernels.softmaxCrossEntropyBackward(dpre[L - 1]!, probs, batch.labels, B, K, 1 / B);
      denseBackward(kernels, dense, last.out, last.dout);
      for (let i = blocks.length - 1; i >= 0; i--) {
        const b = blocks[i]!;
        if (b.pool !== null) kernels.maxPool2dBackward(b.pool, b.dact);
        kernels.reluBackward(b.conv.dout, b.dact, b.conv.out, b.act.length);
        kernels.conv2dBackward(b.conv, b.p, blockInput(i), i === 0 ? null : blocks[i - 1]!.dout);
      }
    },
  };
  return networkTask(net, kernels);
}

/** The conv blocks' parameters (initialised in order, before the dense layers') and buffers. */
function convBlocks(spec: CnnSpec, arena: Arena, B: number, rng: Rng): Block[] {
  const planes = cnnPlanes(spec);
  return spec.conv.map((layer, i) => {
    const { C, H, W } = planes[i]!;
    const g = conv2dGeometry(C, H, W, layer.channels, layer.kernel, layer.stride, layer.padding);
    const p = conv2dParams(arena, `conv${i}`, g);
    initLayer(p.weight, p.bias, C * layer.kernel * layer.kernel, rng, spec.init);
    const conv = conv2dBuffers(arena, g, B);
    const act = arena.floats(conv.out.length);
    const dact = arena.floats(conv.out.length);
    const pool = layer.pool ?? spec.pool;
    const pooled = pool === 'none' ? null : maxPool2dBuffers(arena, B, g.Cout, g.Ho, g.Wo, pool.kernel, pool.stride);
    return { p, conv, act, dact, pool: pooled, out: pooled?.out ?? act, dout: pooled?.dout ?? dact };
  });
}
