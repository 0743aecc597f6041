// The WebAssembly SIMD kernels of radam-run, compiled by AssemblyScript (asc) into kernels.wasm at
// build time. Every kernel mirrors a TypeScript reference in src/optim or src/nn (the JS kernels of
// src/nn/kernels.ts); see those files for the math. Memory is imported: it is the run's arena, and
// pointers are byte offsets into it.
export { sgdStep, adamStep, secondMomentOnlyStep, radamStep } from './optim';
export { matmul } from './matmul';
export { lstmForward, lstmBackward } from './lstm';
export { sumOfSquares, scaleInPlace } from './norm';
export { im2col, col2im, addChannelBias, addChannelSums } from './conv';
export { reluForward, reluBackward, maxPool2dForward, maxPool2dBackward } from './pool';
export { matmulRows } from './matmul';
export { setScratch } from './packed';
export { conv2dForwardImages, conv2dWeightGradColumns, conv2dInputGradImages, setConvLane } from './conv';
// the transformer's and the MLP's layers
export { tanhForward, tanhBackward, geluForward, geluBackward, residualForward, residualBackward, fillZero } from './elementwise';
export { geluForwardSaving, geluBackwardSaved } from './elementwise';
export { layernormForward, layernormBackward } from './layernorm';
export { attentionForward, attentionBackward } from './attention';
// The LSTM's first layer fed from token ids (src/nn/lstm.ts lstmForwardTokens) and its embedding's backward.
export { lstmForwardTokens } from './lstm';
export { embeddingForward, embeddingBackward } from './embedding';
// softmax cross-entropy and accuracy (src/nn/crossentropy.ts), and the float64 exp and log they use,
// exported for test/wasm-loss.test.ts's bit-for-bit check against Math.exp and Math.log
export { softmaxCrossEntropyForward, softmaxCrossEntropyBackward, countCorrect } from './loss';
export { ieeeExp, ieeeLog, expInto } from './ieee754';
