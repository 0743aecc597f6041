// Build a run's dataset from its spec and seed. The problem (class centers, teacher weights, Markov
// table) depends only on the seed; train and validation batches come from independent streams
// (see stream.ts). Build it once per run: markov-text, text-file and the MNIST kinds do real work here.
import type { DataSpec } from '../config/data.js';
import type { Dataset } from './batch.js';
import { blobsDataset } from './blobs.js';
import { markovDataset } from './markov.js';
import { mnistDataset } from './mnist.js';
import { spiralsDataset } from './spirals.js';
import { teacherDataset } from './teacher.js';
import { textFileDataset } from './textfile.js';

export function buildDataset(spec: DataSpec, seed: number): Dataset {
  switch (spec.kind) {
    case 'blobs':
      return blobsDataset(spec, seed);
    case 'spirals':
      return spiralsDataset(spec, seed);
    case 'teacher':
      return teacherDataset(spec, seed);
    case 'markov-text':
      return markovDataset(spec, seed);
    case 'text-file':
      return textFileDataset(spec, seed);
    case 'fashion-mnist':
    case 'mnist':
      return mnistDataset(spec, seed);
  }
}
