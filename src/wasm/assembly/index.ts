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
// The LSTM's first layer fed from token ids (src/nn/lstm.ts lstmForwardTokens) and its embedding's backward.
export { lstmForwardTokens } from './lstm';
export { embeddingBackward } from './embedding';
