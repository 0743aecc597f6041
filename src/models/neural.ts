// The Task wrapper shared by the neural models: a network that can run forward on its batch buffers
// and backward into params.grad becomes a Task (training steps and validation passes). Built once;
// trainStep and evaluate allocate nothing (they refill one LossResult).
import type { ParamSet } from '../nn/arena.js';
import type { Kernels } from '../nn/kernels.js';
import type { LossResult, Task } from './task.js';

export interface Network {
  params: ParamSet;
  /** Forward pass on the batch currently in the buffers; returns the mean loss. */
  forward(): number;
  /** Backward pass of the last forward: zeroes the activation gradients, adds into params.grad. */
  backward(): void;
  /** Classification (accuracy is reported) or regression. */
  classification: boolean;
  /** Correct predictions in the last forward (classification only). */
  correct(): number;
  /** Predictions per batch (rows of the loss): the denominator of accuracy. */
  predictions: number;
  /** Fill the batch buffers with training batch `step` / validation batch `index`. */
  fillTrain(step: number): void;
  fillVal(index: number): void;
  info: Record<string, number>;
}

/** `kernels`: the arena's, which zero the parameter gradients before each step. */
export function networkTask(net: Network, kernels: Kernels): Task {
  const grad = net.params.grad;
  // One result object, refilled; `accuracy` starts as a number for classifiers so that V8 keeps the
  // field unboxed and storing into it does not allocate.
  const result: LossResult = { loss: 0, accuracy: net.classification ? 0 : undefined };
  return {
    params: net.params,
    info: net.info,
    trainStep(step: number): LossResult {
      net.fillTrain(step);
      kernels.fillZero(grad, grad.length);
      result.loss = net.forward();
      if (net.classification) result.accuracy = net.correct() / net.predictions;
      net.backward();
      return result;
    },
    evaluate(batches: number): LossResult {
      let lossSum = 0;
      let correctSum = 0;
      for (let i = 0; i < batches; i++) {
        net.fillVal(i);
        lossSum += net.forward();
        if (net.classification) correctSum += net.correct();
      }
      result.loss = lossSum / batches;
      if (net.classification) result.accuracy = correctSum / (batches * net.predictions);
      return result;
    },
  };
}

/**
 * Zero a list of activation-gradient buffers (index loop: no iterator allocation) through the arena's
 * kernels: the wasm kernels' memory is shared, and V8 fills a SharedArrayBuffer view ~10× slower than
 * a wasm memory.fill.
 */
export function zeroAll(kernels: Kernels, buffers: Float32Array[]): void {
  for (let i = 0; i < buffers.length; i++) kernels.fillZero(buffers[i]!, buffers[i]!.length);
}
