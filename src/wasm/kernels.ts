// The kernel sets a run can be built with, and how one is picked: `jsKernels`, the plain TypeScript
// reference assembled from the loops of src/nn and src/optim, and the WebAssembly SIMD kernels of
// ./wasm-kernels.ts. Both implement src/nn/kernels.ts's `Kernels`; buildRun (src/train/train.ts) picks
// one per run from its spec with `createKernels`, and nothing else decides which code runs.
import type { Kernels } from '../nn/kernels.js';
import { matmul } from '../nn/matmul.js';
import { lstmBackward, lstmForward, lstmForwardTokens } from '../nn/lstm.js';
import { embeddingBackward, embeddingForward } from '../nn/embedding.js';
import { addChannelBias, addChannelSums, col2im, conv2dBackward, conv2dForward, im2col } from '../nn/conv2d.js';
import { reluBackward, reluForward } from '../nn/activation.js';
import { maxPool2dBackward, maxPool2dForward } from '../nn/maxpool2d.js';
import { sgdStep } from '../optim/sgd.js';
import { adamStep, secondMomentOnlyStep } from '../optim/adam.js';
import { radamStep } from '../optim/radam.js';
import { scaleInPlace, sumOfSquares } from '../optim/clip.js';
import { geluBackward, geluForward, tanhBackward, tanhForward } from '../nn/activation.js';
import { layernormBackward, layernormForward } from '../nn/layernorm.js';
import { residualBackward, residualForward } from '../nn/residual.js';
import { attentionBackward, attentionForward } from '../nn/attention.js';
import { countCorrect, softmaxCrossEntropyBackward, softmaxCrossEntropyForward } from '../nn/crossentropy.js';
import { WasmKernels, wasmUnavailableReason } from './wasm-kernels.js';

const KERNEL_SETS = ['js', 'wasm'] as const;
/** Which implementation a run's kernels use: the plain TS reference or the wasm SIMD kernels. */
export type KernelSet = (typeof KERNEL_SETS)[number];

/** The JS reference kernels: stateless, so one object serves every run; its memory is a plain ArrayBuffer. */
export const jsKernels: Kernels = {
  memory: (bytes) => new ArrayBuffer(bytes),
  reserveThreadScratch: () => undefined,
  matmul,
  conv2dForward,
  conv2dBackward,
  im2col,
  col2im,
  addChannelBias,
  addChannelSums,
  reluForward,
  reluBackward,
  maxPool2dForward,
  maxPool2dBackward,
  lstmForward,
  lstmBackward,
  sgdStep,
  adamStep,
  secondMomentOnlyStep,
  radamStep,
  sumOfSquares,
  scaleInPlace,
  // transformer and MLP layers
  tanhForward,
  tanhBackward,
  geluForward,
  geluBackward,
  layernormForward,
  layernormBackward,
  residualForward,
  residualBackward,
  attentionForward,
  attentionBackward,
  // The LSTM's first layer fed from token ids, and its embedding's backward.
  lstmForwardTokens,
  embeddingForward,
  embeddingBackward,
  // the classifier head's loss
  softmaxCrossEntropyForward,
  softmaxCrossEntropyBackward,
  countCorrect,
  fillZero: (x, n) => {
    x.fill(0, 0, n);
  },
};

/**
 * Kernels of the set `set` for one new run: the shared JS kernels, or a new wasm instance (it will own
 * the run's memory) whose large products run on `threads` threads. The JS kernels ignore `threads`.
 */
export function createKernels(set: KernelSet, threads = 1): Kernels {
  return set === 'wasm' ? new WasmKernels(threads) : jsKernels;
}

/** The kernel set to use for a request: 'wasm' falls back to 'js' (with the reason) where SIMD is unavailable. */
export function resolveKernels(requested: KernelSet): { kernels: KernelSet; notice: string | undefined } {
  if (requested === 'js') return { kernels: 'js', notice: undefined };
  const reason = wasmUnavailableReason();
  return reason === undefined ? { kernels: 'wasm', notice: undefined } : { kernels: 'js', notice: `using the js kernels: ${reason}` };
}
