// zod schemas for datasets (`data.kind`). Every dataset is seeded; train and validation streams are
// independent.
import { z } from 'zod';

export const DataSpec = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('none') }).describe('placeholder: no dataset'),
]);
export type DataSpec = z.output<typeof DataSpec>;
