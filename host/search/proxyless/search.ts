/**
 * `earshot search proxyless` (seed 004): for each MFCC count of the outer sweep, train a
 * supernet of MBConv choice blocks with ProxylessNAS's alternation — a weight step on a training
 * batch along one sampled path, then an architecture step on a validation batch through two
 * sampled choices per block mixed by softmax(α), under CE · (log(ops_expected) /
 * log(ops_target))^β — with 8-bit STE weights; derive the most likely choice per block, retrain
 * that network with 8-bit QAT, export it and record it in the same store format as the
 * iterative search (so `earshot pareto` draws both).
 *
 * Resumable per MFCC count: a finished search leaves `search-m<N>.json`, a finished retrain its
 * record in results.jsonl.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs";
import { Rng } from "../../data/rng";
import { buildModel } from "../../models";
import type { MbChoice } from "../../models/mbconv";
import { adam } from "../../train/adam";
import { loadBackend } from "../../train/backend";
import { resolveTrainConfig } from "../../train/config";
import { computeInputNorm, normalizeInPlace } from "../../train/features";
import { loadTrainingData, makeBatchStream } from "../../train/training-data";
import { type Budget, trainAndScore } from "../candidate";
import { modelCost } from "../cost";
import { FRAMES_PER_CLIP } from "../space";
import { appendRecord, type CandidateRecord, openStore, readRecords } from "../store";
import { expectedOps } from "./ops-loss";
import { choiceName, choiceOps, fixedOps, type ProxylessSpace } from "./space";
import { archStep, weightStep } from "./steps";
import { Supernet } from "./supernet";

export interface ProxylessOptions {
  data: string;
  out: string;
  splitMode: "auto" | "speaker";
  mfcc: number[];
  space: ProxylessSpace;
  searchSteps: number;
  warmupSteps: number;
  batchSize: number;
  beta: number;
  /** Ops target; null: the geometric mean of the smallest and largest network of the space. */
  opsTarget: number | null;
  retrain: Budget;
  calibCount: number;
  seed: number;
}

export interface ProxylessResult {
  mfcc: number;
  blocks: string[];
  probabilities: number[][];
  opsExpected: number;
  opsTarget: number;
  record: CandidateRecord;
}

function sample(rng: Rng, p: number[], exclude = -1): number {
  const total = p.reduce((a, b, i) => a + (i === exclude ? 0 : b), 0);
  let r = rng.next() * total;
  for (let i = 0; i < p.length; i++) {
    if (i === exclude) continue;
    r -= p[i];
    if (r <= 0) return i;
  }
  return p.length - 1 === exclude ? p.length - 2 : p.length - 1;
}

async function searchOne(
  o: ProxylessOptions,
  mfcc: number,
  info: (l: string) => void,
): Promise<{
  blocks: MbChoice[];
  probabilities: number[][];
  opsExpected: number;
  opsTarget: number;
}> {
  const config = resolveTrainConfig({
    data: o.data,
    model: "mbnet",
    out: o.out,
    frontEnd: `MFCC_30_10_${mfcc}`,
    splitMode: o.splitMode,
    batchSize: o.batchSize,
    seed: o.seed,
  });
  const data = await loadTrainingData(config, { info });
  const norm = computeInputNorm(data.trainSet);
  const stream = makeBatchStream(config, data, norm);
  const val = data.valSet;
  const valX = normalizeInPlace(val.data.slice(), norm);
  const classes = data.task.labels.length;
  const frames = data.trainSet.frames;
  const net = new Supernet(o.space, classes, o.seed);
  const ops = net.choices.map((cs, b) => cs.map((c) => choiceOps(o.space, c, b, frames, mfcc)));
  const fixed = fixedOps(o.space, frames, mfcc, classes);
  const minOps = fixed + ops.reduce((s, b) => s + Math.min(...b), 0);
  const maxOps = fixed + ops.reduce((s, b) => s + Math.max(...b), 0);
  const target = o.opsTarget ?? Math.sqrt(minOps * maxOps);
  const wOpt = adam(1e-3);
  const aOpt = adam(6e-3);
  const rng = new Rng(o.seed).fork(`proxyless-${mfcc}`);
  const shape = [o.batchSize, frames, mfcc, 1] as [number, number, number, number];
  const probs = () => net.alphas.map((a) => Array.from(tf.tidy(() => tf.softmax(a).dataSync())));
  for (let step = 0; step < o.searchSteps; step++) {
    const b = stream.batch(step);
    const p = probs();
    const path = p.map((pb) => [{ j: sample(rng, pb), weight: 1 }]);
    const wLoss = weightStep(net, wOpt, tf.tensor4d(b.x, shape), b.labels, path);
    let aLossValue = Number.NaN;
    if (step >= o.warmupSteps && val.labels.length > 0) {
      // A validation batch drawn at random, two choices per block mixed by their renormalized
      // probabilities: CE and the ops term both reach α.
      const n = Math.min(o.batchSize, val.labels.length);
      const idx = Array.from({ length: n }, () => Math.floor(rng.next() * val.labels.length));
      const size = frames * mfcc;
      const xs = new Float32Array(n * size);
      idx.forEach((k, i) => {
        xs.set(valX.subarray(k * size, (k + 1) * size), i * size);
      });
      const ys = Int32Array.from(idx.map((k) => val.labels[k]));
      const pairs = p.map((pb) => {
        const i = sample(rng, pb);
        return [i, pb.length > 1 ? sample(rng, pb, i) : i];
      });
      const aLoss = archStep(net, aOpt, tf.tensor4d(xs, [n, frames, mfcc, 1]), ys, pairs, {
        ops,
        fixed,
        target,
        beta: o.beta,
      });
      aLossValue = aLoss ? aLoss.dataSync()[0] : Number.NaN;
      aLoss?.dispose();
    }
    if (step % 10 === 0 || step === o.searchSteps - 1) {
      const e = tf.tidy(() => expectedOps(net.alphas, ops, fixed).dataSync()[0]);
      info(
        `proxyless m${mfcc} step ${step + 1}/${o.searchSteps}: weight loss ${wLoss?.dataSync()[0].toFixed(3)} arch loss ${Number.isNaN(aLossValue) ? "- (warm-up)" : aLossValue.toFixed(3)} expected ops ${(e / 1e6).toFixed(2)}M (target ${(target / 1e6).toFixed(2)}M)`,
      );
    }
    wLoss?.dispose();
  }
  const blocks = net.derive();
  const probabilities = probs();
  const opsExpected = tf.tidy(() => expectedOps(net.alphas, ops, fixed).dataSync()[0]);
  net.dispose();
  wOpt.dispose();
  aOpt.dispose();
  return { blocks, probabilities, opsExpected, opsTarget: target };
}

export async function runProxyless(
  o: ProxylessOptions,
  info: (l: string) => void,
): Promise<ProxylessResult[]> {
  await loadBackend({ quiet: true });
  const { calibCount: _c, ...question } = o;
  openStore(o.out, { search: "proxyless", ...question });
  const out: ProxylessResult[] = [];
  for (const mfcc of o.mfcc) {
    const file = join(o.out, `search-m${mfcc}.json`);
    let found: Awaited<ReturnType<typeof searchOne>>;
    if (existsSync(file)) found = JSON.parse(readFileSync(file, "utf8"));
    else {
      found = await searchOne(o, mfcc, info);
      writeFileSync(file, `${JSON.stringify(found, null, 2)}\n`);
    }
    const names = found.blocks.map(choiceName);
    info(
      `proxyless m${mfcc}: derived ${names.join(" ")} (expected ops ${(found.opsExpected / 1e6).toFixed(2)}M)`,
    );
    const key = `proxyless/m${mfcc}-${names.join("-")}`;
    let record = readRecords(o.out).find((r) => r.key === key);
    if (!record) {
      const modelConfig = {
        channels: o.space.channels,
        blocks: found.blocks,
        strided: [0],
        headChannels: o.space.headChannels,
      };
      const m = buildModel("mbnet", {
        ...modelConfig,
        inputShape: [FRAMES_PER_CLIP, mfcc, 1],
        numClasses: 12,
      });
      const cost = modelCost(m, "int8");
      m.dispose();
      record = await trainAndScore(
        {
          search: "proxyless",
          key,
          family: "int8",
          config: { mfcc, blocks: names, channels: o.space.channels },
          model: "mbnet",
          modelConfig,
          frontEnd: `MFCC_30_10_${mfcc}`,
          cost,
        },
        {
          seed: o.seed,
          step: "retrain",
          data: o.data,
          splitMode: o.splitMode,
          budget: o.retrain,
          runDir: join(o.out, "runs", `m${mfcc}`),
          calibCount: o.calibCount,
        },
        info,
      );
      appendRecord(o.out, record);
    }
    out.push({
      mfcc,
      blocks: names,
      probabilities: found.probabilities,
      opsExpected: found.opsExpected,
      opsTarget: found.opsTarget,
      record,
    });
  }
  return out;
}
