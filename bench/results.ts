// The shape of bench/results.json: every section's rows as its table shows them, the targets checked
// on them, and the run's circumstances (meta). Written once, at the end of `npm run bench`.
import type { CompareRow } from './compare.js';
import type { MatmulModel, MatmulRow } from './matmul.js';
import type { ModelRow } from './models.js';
import type { OptimizerRow } from './optimizers.js';
import type { PeerRow } from './peers.js';
import type { TorchRow } from './torch.js';

export interface TargetRow {
  issue: number;
  target: string;
  kernels: string;
  value: number;
  goal: number;
  unit: string;
  met: boolean;
  /** The goal is an upper bound (value ≤ goal), e.g. a time ratio; else a lower bound. */
  atMost?: boolean;
}

export interface Results {
  meta: Record<string, unknown>;
  optimizers: OptimizerRow[];
  matmul: MatmulRow[];
  matmulModels: MatmulModel[];
  models: ModelRow[];
  peers: PeerRow[];
  torch: TorchRow[];
  compare: CompareRow[];
  targets: TargetRow[];
  notes: string[];
}
