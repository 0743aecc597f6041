// The Task wrapper shared by the neural models: a network that can run forward on its batch buffers
// and backward into params.grad becomes a Task (training steps and validation passes). Built once;
// trainStep and evaluate allocate nothing (they refill one LossResult).
import type { ParamSet } from '../nn/arena.js';
import type { LossResult, Task } from './task.js';

export interface Network {
  params: ParamSet;
  /** Forward pass on the batch currently in the buffers; returns the mean loss. */
  forward(): number;
  /** Backward pass of the last forward: zeroes the activation gradients, adds into params.grad. */
  backward(): void;
  /** Correct predictions in the last forward, or NaN for regression. */
  correct(): number;
  /** Predictions per batch (rows of the loss): the denominator of accuracy. */
  predictions: number;
  /** Fill the batch buffers with training batch `step` / validation batch `index`. */
  fillTrain(step: number): void;
  fillVal(index: number): void;
  info: Record<string, number>;
}

export function networkTask(net: Network): Task {
  const grad = net.params.grad;
  const result: LossResult = { loss: 0, accuracy: undefined };
  return {
    params: net.params,
    info: net.info,
    trainStep(step: number): LossResult {
      net.fillTrain(step);
      grad.fill(0);
      result.loss = net.forward();
      const correct = net.correct();
      result.accuracy = Number.isNaN(correct) ? undefined : correct / net.predictions;
      net.backward();
      return result;
    },
    evaluate(batches: number): LossResult {
      let lossSum = 0;
      let correctSum = 0;
      for (let i = 0; i < batches; i++) {
        net.fillVal(i);
        lossSum += net.forward();
        correctSum += net.correct();
      }
      result.loss = lossSum / batches;
      result.accuracy = Number.isNaN(correctSum) ? undefined : correctSum / (batches * net.predictions);
      return result;
    },
  };
}

/** Zero a list of activation-gradient buffers (index loop: no iterator allocation). */
export function zeroAll(buffers: Float32Array[]): void {
  for (let i = 0; i < buffers.length; i++) buffers[i]!.fill(0);
}
