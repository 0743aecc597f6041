// Section 4 of `npm run bench`: the same work on our kernels and on TensorFlow.js (CPU and wasm
// backends, bench/tfjs.ts): an Adam step on 10⁶ parameters, and one Adam training step of an MLP and a char LSTM.
import type { ModelSpec } from '../src/config/models.js';
import type { KernelSet } from '../src/wasm/kernels.js';
import { measure, type MeasureOptions, type Repeat } from './measure.js';
import { benchRunSpec, optimizerSteps, trainingSteps } from './ours.js';
import { num, times, type Table } from './table.js';
import { tfAdam, tfLstm, tfMlp, usePeer, withoutTfjsNodeAdvice, type LoadedPeers, type PeerRun, type Tf } from './tfjs.js';
import { PEER_LSTM, PEER_MLP, dataDims, named } from './workloads.js';

export interface PeerRow {
  workload: string;
  /** Seconds per step. */
  ours: Record<string, number>;
  peers: Record<string, number>;
  /** Key "js vs tfjs-cpu": peer time ÷ our time (= our steps/s ÷ peer steps/s; > 1: ours faster). */
  speedup: Record<string, number>;
}

interface PeerWorkload {
  label: string;
  ours(k: KernelSet): Repeat;
  peer(tf: Tf): PeerRun;
}

function peerWorkloads(): PeerWorkload[] {
  const adam = named({ kind: 'adam', lr: 1e-3 });
  const mlp = dataDims(PEER_MLP.data);
  const lstm = dataDims(PEER_LSTM.data);
  const lstmModel = PEER_LSTM.model as Extract<ModelSpec, { kind: 'lstm' }>;
  const mlpHidden = (PEER_MLP.model as Extract<ModelSpec, { kind: 'mlp' }>).hidden[0]!;
  return [
    {
      label: 'adam step, 10⁶ params',
      ours: (k) => optimizerSteps(k, adam, 1e6, 100),
      peer: (tf) => tfAdam(tf, 1e6),
    },
    {
      label: `${PEER_MLP.label}, adam`,
      ours: (k) => trainingSteps(benchRunSpec(PEER_MLP.model, PEER_MLP.data, adam, k)).run,
      peer: (tf) => tfMlp(tf, { batch: mlp.batch, widths: [mlp.inputs, mlpHidden, mlp.outputs], activation: 'relu' }),
    },
    {
      label: `${PEER_LSTM.label}, adam`,
      ours: (k) => trainingSteps(benchRunSpec(PEER_LSTM.model, PEER_LSTM.data, adam, k)).run,
      peer: (tf) => tfLstm(tf, { vocab: lstm.inputs, embed: lstmModel.embed, hidden: lstmModel.hidden, seqLen: lstm.seqLen, batch: lstm.batch }),
    },
  ];
}

/** Time every workload on our kernel sets, then on each loaded peer; a peer's failures go to loaded.skipped. */
export async function benchPeers(kernels: KernelSet[], mo: MeasureOptions, loaded: LoadedPeers): Promise<{ rows: PeerRow[]; table: Table }> {
  const workloads = peerWorkloads();
  const rows: PeerRow[] = workloads.map((w) => ({ workload: w.label, ours: {}, peers: {}, speedup: {} }));
  workloads.forEach((w, i) => {
    for (const k of kernels) rows[i]!.ours[k] = measure(w.ours(k), mo).median;
  });
  const { tf, peers } = loaded;
  if (tf) await withoutTfjsNodeAdvice(() => timePeers(tf, workloads, rows, mo, loaded));
  for (const row of rows) {
    for (const k of kernels) {
      for (const peer of peers) {
        const theirs = row.peers[peer.name];
        if (theirs !== undefined) row.speedup[`${k} vs ${peer.name}`] = theirs / row.ours[k]!;
      }
    }
  }
  return { rows, table: peerTable(rows, kernels, loaded) };
}

async function timePeers(tf: Tf, workloads: PeerWorkload[], rows: PeerRow[], mo: MeasureOptions, loaded: LoadedPeers): Promise<void> {
  for (const peer of loaded.peers) {
    await usePeer(tf, peer);
    for (let i = 0; i < workloads.length; i++) {
      let run: PeerRun | undefined;
      try {
        run = workloads[i]!.peer(tf);
        rows[i]!.peers[peer.name] = measure(run.run, mo).median;
      } catch (err) {
        loaded.skipped.push(`${peer.name}, ${workloads[i]!.label}: failed (${(err as Error).message.split('\n')[0]})`);
      } finally {
        run?.dispose();
      }
    }
  }
}

function peerTable(rows: PeerRow[], kernels: KernelSet[], loaded: LoadedPeers): Table {
  const { peers } = loaded;
  const pairs = kernels.flatMap((k) => peers.map((p) => `${k} vs ${p.name}`));
  return {
    title: `Against TensorFlow.js${loaded.version ? ` ${loaded.version}` : ''}: ms per step (same work, same process)`,
    columns: ['<workload', ...kernels.map((k) => `${k} ms`), ...peers.map((p) => `${p.name} ms`), ...pairs.map((p) => `speedup ${p}`)],
    rows: rows.map((r) => [
      r.workload,
      ...kernels.map((k) => num(r.ours[k]! * 1e3)),
      ...peers.map((p) => num(r.peers[p.name] === undefined ? undefined : r.peers[p.name]! * 1e3)),
      ...pairs.map((p) => times(r.speedup[p])),
    ]),
    notes: [
      ...loaded.peers.map((p) => `${p.name}: the ${p.backend} backend (${p.detail}).`),
      'speedup = peer time ÷ our time (= our steps/s ÷ peer steps/s): 10× means ours does the step 10 times faster.',
      'adam: one step on 10⁶ parameters (so ms/step = ns/param); peer: tf.train.adam applyGradients on one tf.variable.',
      'models: one Adam training step. Ours is the train loop\'s step (trainingStep, src/train/train.ts: its batch drawn from the dataset,',
      '  gradient norm and divergence check included); the peer feeds a fixed batch from typed arrays and runs the same graph in tf ops',
      '  (the LSTM as ours: one input matMul for all steps, then per step h·W_hh and the gates) via optimizer.minimize, reading the loss',
      '  back each step. Single thread everywhere (the wasm backend runs one thread in Node).',
      ...loaded.skipped,
    ],
  };
}
