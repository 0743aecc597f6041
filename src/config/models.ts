// zod schemas for models (`model.kind`), and which dataset kinds each accepts (acceptedData):
// analytic objectives need no data; neural models need a dataset whose shape they accept.
import { z } from 'zod';

const vector = z.array(z.number()).min(1);
const noise = z.number().nonnegative().default(0).describe('σ of seeded Gaussian noise added to the gradient');

export const Rosenbrock = z
  .strictObject({
    kind: z.literal('rosenbrock'),
    init: z.tuple([z.number(), z.number()]).default([-1.5, 2]).describe('starting point [x, y]'),
    noise,
  })
  .describe('f(x, y) = (1 − x)² + 100(y − x²)², minimum 0 at (1, 1)');

const Quadratic = z
  .strictObject({
    kind: z.literal('quadratic'),
    curvatures: z.array(z.number().positive()).min(1).describe('aᵢ > 0'),
    init: vector.describe('starting point, same length as curvatures'),
    noise,
  })
  .describe('f(x) = ½ Σ aᵢ xᵢ², minimum 0 at the origin')
  .superRefine((q, ctx) => {
    if (q.curvatures.length !== q.init.length) {
      ctx.addIssue({ code: 'custom', path: ['init'], message: `expected ${q.curvatures.length} values (one per curvature), got ${q.init.length}` });
    }
  });

export const Rastrigin = z
  .strictObject({
    kind: z.literal('rastrigin'),
    init: vector.describe('starting point (any dimension)'),
    noise,
  })
  .describe('f(x) = 10n + Σ (xᵢ² − 10 cos 2πxᵢ), minimum 0 at the origin');

// ---- neural models -------------------------------------------------------------------------
// Initialisation is PyTorch's module defaults (see src/models/init.ts) unless `init` asks for DeepOBS's
// truncated normal (linear, mlp and cnn); widths are small on purpose: every run trains on one CPU core.

const width = z.number().int().positive();
const activation = z.enum(['relu', 'tanh', 'gelu']);

/** Absent = PyTorch's defaults (kept out of the parsed spec, so existing runs' specs are unchanged). */
const init = z
  .discriminatedUnion('kind', [
    z.strictObject({ kind: z.literal('pytorch') }).describe("PyTorch's module defaults (the default)"),
    z
      .strictObject({
        kind: z.literal('truncated-normal'),
        std: z.number().positive().describe('σ of the weights, N(0, σ²) redrawn outside ±2σ (tf.truncated_normal)'),
        bias: z.number().default(0).describe('constant value of every bias'),
      })
      .describe('DeepOBS: weights truncated normal, biases constant'),
  ])
  .optional()
  .describe("parameter initialisation: absent or { kind: pytorch } = PyTorch's defaults; { kind: truncated-normal, std, bias } = DeepOBS's");
export type InitSpec = z.output<typeof init>;

export const LinearModel = z
  .strictObject({ kind: z.literal('linear'), init })
  .describe('linear model on vector data: multinomial logistic regression (classification) or least squares (regression)');

export const Mlp = z
  .strictObject({
    kind: z.literal('mlp'),
    hidden: z.array(width).default([64, 64]).describe('widths of the hidden layers, input side first'),
    activation: activation.default('relu').describe('nonlinearity after each hidden layer: relu, tanh or gelu'),
    init,
  })
  .describe('multilayer perceptron on vector data: softmax cross-entropy (classification) or MSE (regression)');

const pool = z
  .strictObject({
    kernel: width.default(2).describe('window k (k×k)'),
    stride: width.default(2).describe('stride of the window'),
  })
  .describe('max-pooling after a conv layer (no padding, as TF’s valid)');

const conv = z.strictObject({
  channels: width.describe('output channels'),
  kernel: width.default(5).describe('kernel size k (k×k)'),
  stride: width.default(1).describe('stride'),
  padding: z.enum(['same', 'valid']).default('same').describe('TensorFlow’s same or valid'),
  pool: z.union([pool, z.literal('none')]).optional().describe('max-pooling after this layer’s ReLU (default: the model’s pool)'),
});

export const Cnn = z
  .strictObject({
    kind: z.literal('cnn'),
    conv: z
      .array(conv)
      .min(1)
      .default([{ channels: 32 }, { channels: 64 }].map((c) => conv.parse(c)))
      .describe('conv layers, input side first, each followed by ReLU and (unless pool: none) max-pooling'),
    pool: z.union([pool, z.literal('none')]).default({ kernel: 2, stride: 2 }).describe('max-pooling after each conv layer that names none'),
    dense: z.array(width).default([1024]).describe('widths of the ReLU dense layers after the flattened conv output'),
    init,
  })
  .describe(
    'convolutional net on 1×28×28 images (fashion-mnist, mnist): conv → ReLU → max-pool blocks, flatten, ReLU dense layers, ' +
      'linear output, softmax cross-entropy (the defaults are DeepOBS’s 2c2d)',
  );

export const Lstm = z
  .strictObject({
    kind: z.literal('lstm'),
    embed: width.default(32).describe('token embedding width'),
    hidden: width.default(64).describe('LSTM hidden (and cell) width'),
    layers: width.default(1).describe('stacked LSTM layers'),
  })
  .describe(
    'character-level LSTM language model: embedding → LSTM stack → linear → softmax; truncated BPTT over each ' +
      'batch window (state reset to zero per batch)',
  );

export const Transformer = z
  .strictObject({
    kind: z.literal('transformer'),
    d_model: width.default(32).describe('residual stream width'),
    heads: width.default(4).describe('attention heads (must divide d_model)'),
    layers: width.default(2).describe('transformer blocks'),
    d_ff: width.default(128).describe('hidden width of each block’s MLP'),
    context: width.default(64).describe('learned position embeddings (≥ the dataset’s seq_len)'),
    norm: z
      .enum(['pre', 'post'])
      .default('pre')
      .describe('pre: LayerNorm before each sublayer plus a final one (GPT-2); post: after each residual add (Vaswani et al.)'),
    activation: activation.default('gelu').describe('nonlinearity of the block MLP'),
  })
  .describe('tiny causal transformer language model: token + learned position embeddings, causal multi-head self-attention')
  .refine((t) => t.d_model % t.heads === 0, { message: 'expected d_model divisible by heads', path: ['heads'] });

export const ModelSpec = z.discriminatedUnion('kind', [Rosenbrock, Quadratic, Rastrigin, LinearModel, Mlp, Cnn, Lstm, Transformer]);
export type ModelSpec = z.output<typeof ModelSpec>;

/** Data kinds whose batches are dense vectors (VectorDataset) / token sequences (TokenDataset). */
const VECTOR_DATA = ['blobs', 'spirals', 'teacher', 'fashion-mnist', 'mnist'] as const;
const TOKEN_DATA = ['markov-text', 'text-file'] as const;
/** Data kinds whose vectors are 1×28×28 images. */
const IMAGE_DATA = ['fashion-mnist', 'mnist'] as const;

/** Which data kinds a model kind accepts; analytic models take none. */
export function acceptedData(modelKind: ModelSpec['kind']): readonly string[] {
  switch (modelKind) {
    case 'rosenbrock':
    case 'quadratic':
    case 'rastrigin':
      return [];
    case 'linear':
    case 'mlp':
      return VECTOR_DATA;
    case 'cnn':
      return IMAGE_DATA;
    case 'lstm':
    case 'transformer':
      return TOKEN_DATA;
  }
}
