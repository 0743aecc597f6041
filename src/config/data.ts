// zod schemas for datasets (`data.kind`) and the size limits they enforce. Every dataset is seeded: the
// problem (class centers, teacher weights, Markov table) depends only on the run's seed; train and
// validation streams are independent.
import { z } from 'zod';

const count = z.number().int().positive();
const batch = count.default(32).describe('examples per batch');
const sequences = count.default(32).describe('sequences per batch');
const seqLen = count.default(64).describe('tokens per sequence (T); each window holds T + 1 tokens');

/**
 * Largest table of float64 numbers a dataset's problem may hold (32 MiB): class centers, teacher
 * weights, Markov transition probabilities. Every worker builds its own copy, and the teacher's
 * per-example work (hidden × (in + out) multiply-adds) is bounded along with its size.
 */
const PROBLEM_MAX_ENTRIES = 2 ** 22;

/** Largest Markov state space we build: contexts (vocab^order) and table entries (vocab^(order+1), float64). */
export const MARKOV_MAX_CONTEXTS = 2 ** 20;
const MARKOV_MAX_ENTRIES = PROBLEM_MAX_ENTRIES;

/**
 * Largest text-file corpus read (64 MiB). Every worker keeps the tokenised text (4 bytes per
 * character) and reading holds the bytes and the decoded string besides, so this is up to ~0.5 GiB
 * per worker while reading and 256 MiB after; and a run of 10⁴ steps × 32 sequences × 64 tokens
 * samples only ~2·10⁷ characters, so a larger corpus would not even be seen once.
 */
export const CORPUS_MAX_BYTES = 64 * 2 ** 20;

const BYTE_UNITS = ['bytes', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB', 'ZiB', 'YiB'];

/** `1.5 GiB`, `64 MiB`, `812 bytes`: binary units, one decimal unless whole. */
export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes)) return 'more than 10³⁰⁸ bytes';
  let unit = 0;
  let value = bytes;
  while (value >= 1024 && unit < BYTE_UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${Number.isInteger(value) ? value : value.toFixed(1)} ${BYTE_UNITS[unit]}`;
}

/** A count for a message: exact below 10⁷, else like `8.0e9`. */
export function formatCount(n: number): string {
  return n < 1e7 ? String(n) : n.toExponential(1).replace('e+', 'e');
}

/** Why a problem table of `entries` float64 numbers (`what`: how they are counted) is refused, or undefined. */
function problemSizeProblem(entries: number, what: string): string | undefined {
  if (entries <= PROBLEM_MAX_ENTRIES) return undefined;
  return `expected ${what} ≤ ${PROBLEM_MAX_ENTRIES} (a ${formatBytes(PROBLEM_MAX_ENTRIES * 8)} table per worker), got ${formatCount(entries)}`;
}

/** The largest of some named fields: the one to blame for a size. */
function largest<K extends string>(fields: Record<K, number>): K {
  return (Object.keys(fields) as K[]).reduce((a, b) => (fields[b] > fields[a] ? b : a));
}

/** Why a Markov chain of this size is refused, or undefined if it is fine. Shared by schema and builder. */
export function markovSizeProblem(vocab: number, order: number): string | undefined {
  const contexts = vocab ** order;
  const entries = contexts * vocab;
  if (contexts <= MARKOV_MAX_CONTEXTS && entries <= MARKOV_MAX_ENTRIES) return undefined;
  return (
    `expected vocab^order ≤ ${MARKOV_MAX_CONTEXTS} contexts and vocab^(order+1) ≤ ${MARKOV_MAX_ENTRIES} ` +
    `transition probabilities, got ${vocab}^${order} = ${contexts} contexts (${entries} probabilities); lower vocab or order`
  );
}

export const Blobs = z
  .strictObject({
    kind: z.literal('blobs'),
    batch,
    classes: count.min(2).default(4).describe('number of Gaussian clusters (= classes)'),
    dim: count.default(2).describe('input dimension'),
    spread: z.number().positive().default(0.5).describe('σ of each cluster; centers are drawn once from N(0, I)'),
  })
  .describe('Gaussian class clusters (classification): x = center[label] + spread·N(0, I), labels uniform')
  .superRefine((b, ctx) => {
    const problem = problemSizeProblem(b.classes * b.dim, 'classes × dim class-center coordinates');
    if (problem !== undefined) ctx.addIssue({ code: 'custom', path: [largest({ classes: b.classes, dim: b.dim })], message: problem });
  });

export const Spirals = z
  .strictObject({
    kind: z.literal('spirals'),
    batch,
    classes: count.min(2).default(2).describe('number of interleaved spiral arms (= classes)'),
    noise: z.number().nonnegative().default(0.2).describe('σ of Gaussian noise on the angle (radians)'),
  })
  .describe('interleaved 2-D spirals (classification): arm j at radius r has angle 2πj/classes + 4r (+ noise)');

export const Teacher = z
  .strictObject({
    kind: z.literal('teacher'),
    batch,
    in: count.default(10).describe('input dimension; inputs are N(0, I)'),
    hidden: count.default(32).describe('hidden units of the random teacher network y = W₂·tanh(W₁x + b₁)'),
    out: count.default(1).describe('outputs: regression targets, or classes (≥ 2) for classification'),
    noise: z.number().nonnegative().default(0.1).describe('σ of Gaussian noise on the targets (or on the logits)'),
    task: z
      .enum(['regression', 'classification'])
      .default('regression')
      .describe('regression: targets y + noise; classification: label = argmax(y + noise)'),
  })
  .describe('labels from a random one-hidden-layer tanh teacher network (regression or classification)')
  .refine((t) => t.task === 'regression' || t.out >= 2, {
    message: 'expected out ≥ 2 classes for task "classification"',
    path: ['out'],
  })
  .superRefine((t, ctx) => {
    // W₁ (hidden × in), b₁ (hidden), W₂ (out × hidden)
    const problem = problemSizeProblem(t.hidden * (t.in + 1 + t.out), 'hidden × (in + 1 + out) teacher weights');
    if (problem !== undefined) ctx.addIssue({ code: 'custom', path: [largest({ in: t.in, hidden: t.hidden, out: t.out })], message: problem });
  });

export const MarkovText = z
  .strictObject({
    kind: z.literal('markov-text'),
    batch: sequences,
    vocab: count.min(2).default(16).describe('number of symbols'),
    order: count.default(2).describe('Markov order k: the next symbol depends on the previous k'),
    seq_len: seqLen,
    concentration: z
      .number()
      .positive()
      .default(0.1)
      .describe('Dirichlet concentration of each context’s next-symbol distribution (small = sparse, predictable)'),
  })
  .describe('sequences from a random order-k Markov chain; its exact entropy rate (the best achievable loss) is reported')
  .superRefine((m, ctx) => {
    const problem = markovSizeProblem(m.vocab, m.order);
    if (problem !== undefined) ctx.addIssue({ code: 'custom', path: ['order'], message: problem });
  });

export const TextFile = z
  .strictObject({
    kind: z.literal('text-file'),
    batch: sequences,
    path: z
      .string()
      .min(1)
      .describe(`UTF-8 text file of at most ${formatBytes(CORPUS_MAX_BYTES)} (relative paths are resolved against the config file)`),
    seq_len: seqLen,
  })
  .describe('character-level corpus; vocabulary = the distinct characters; train = first 90%, validation = last 10%');

/** An MNIST-like dataset: 28 × 28 grey images in 10 classes from four IDX files (see src/data/idx.ts). */
function idxImages<K extends 'fashion-mnist' | 'mnist'>(kind: K, where: string, description: string) {
  return z
    .strictObject({
      kind: z.literal(kind),
      batch: count.default(128).describe('examples per batch'),
      path: z
        .string()
        .min(1)
        .optional()
        .describe(
          'directory holding train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte ' +
            `(each raw or .gz; relative paths are resolved against the config file); default ${where}`,
        ),
    })
    .describe(`${description}: 784 pixels in [0, 1], 10 classes; train = first 55,000 training images (reshuffled every epoch), validation = last 5,000, test = the 10,000 t10k images`);
}

export const FashionMnist = idxImages('fashion-mnist', '$RADAM_RUN_DATA/fashion-mnist, then /usr/share/datasets/fashion-mnist (apt-get install dataset-fashion-mnist)', 'Zalando’s Fashion-MNIST clothing images');
export const Mnist = idxImages('mnist', '$RADAM_RUN_DATA/mnist', 'MNIST handwritten digits');

export const DataSpec = z.discriminatedUnion('kind', [Blobs, Spirals, Teacher, MarkovText, TextFile, FashionMnist, Mnist]);
export type DataSpec = z.output<typeof DataSpec>;
