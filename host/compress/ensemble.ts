/**
 * Ensembles (seed 000, after BENN): N independently trained models vote with equal weight;
 * the ensemble's prediction is the mean of their class probabilities. Its memory is the sum of
 * the members' (nothing is shared), which is what makes 2- and 3-model binary ensembles a
 * size/accuracy trade-off to compare against single larger models.
 */
import * as tf from "@tensorflow/tfjs";
import { encodeModel } from "../../shared/model-format/encode";
import { type DeviceModel, OP_SOFTMAX } from "../../shared/model-format/types";
import { IntEvaluator } from "./int-eval";

/** Mean softmax probabilities of logits-out tfjs models: [batch, classes]. */
export function ensembleProbabilities(models: tf.LayersModel[], x: tf.Tensor): tf.Tensor2D {
  if (models.length === 0) throw new Error("an ensemble needs at least one model");
  return tf.tidy(() => {
    const probs = models.map((m) => tf.softmax(m.predict(x) as tf.Tensor));
    return tf.div(tf.addN(probs), models.length) as tf.Tensor2D;
  });
}

/** How two ensemble members disagree on what they take in or give out, or null when they agree. */
export interface MemberMismatch {
  what: "labels" | "front end" | "input shape";
  /** The first member's value and the other member's, as text. */
  first: string;
  other: string;
}

export function memberMismatch(first: DeviceModel, other: DeviceModel): MemberMismatch | null {
  const labels = (m: DeviceModel) => m.labels.join(",");
  if (labels(first) !== labels(other))
    return { what: "labels", first: labels(first), other: labels(other) };
  const fe = (m: DeviceModel) =>
    m.frontEnd
      .map((kv) => `${kv.key}=${kv.value}`)
      .sort()
      .join(",");
  if (fe(first) !== fe(other)) {
    const a = fe(first).split(",");
    const b = fe(other).split(",");
    return {
      what: "front end",
      first: a.filter((kv) => !b.includes(kv)).join(",") || "-",
      other: b.filter((kv) => !a.includes(kv)).join(",") || "-",
    };
  }
  const shape = (m: DeviceModel) => m.tensors[m.input].shape.join("x");
  if (shape(first) !== shape(other))
    return { what: "input shape", first: shape(first), other: shape(other) };
  return null;
}

/** Equal-weight mean of per-member class probabilities: [member][class] -> [class]. */
export function meanScores(perMember: number[][]): number[] {
  return perMember[0].map((_, c) => perMember.reduce((s, v) => s + v[c], 0) / perMember.length);
}

function softmax(v: number[]): number[] {
  const m = Math.max(...v);
  const e = v.map((x) => Math.exp(x - m));
  const z = e.reduce((a, b) => a + b, 0);
  return e.map((x) => x / z);
}

/**
 * Integer ensemble of exported files: members run with the shared kernels, probabilities
 * averaged. Members must agree on labels, front end and input shape (`memberMismatch`); a member
 * whose graph ends in logits rather than the integer softmax gets a float softmax first.
 */
export class DeviceEnsemble {
  private readonly members: IntEvaluator[];
  private readonly logitsOut: boolean[];
  constructor(readonly models: DeviceModel[]) {
    if (models.length === 0) throw new Error("an ensemble needs at least one model");
    for (const m of models) {
      const d = memberMismatch(models[0], m);
      if (d) throw new Error(`ensemble members disagree on ${d.what} (${d.other} vs ${d.first})`);
    }
    this.members = models.map((m) => new IntEvaluator(m));
    this.logitsOut = this.members.map(
      (e) => e.prepared.find((p) => p.outputs[0] === e.model.output)?.code !== OP_SOFTMAX,
    );
  }

  /** Each member's probabilities on its own input (inputs[i] for member i), and their mean. */
  run(inputs: ArrayLike<number>[]): { members: number[][]; scores: number[] } {
    if (inputs.length !== this.members.length)
      throw new Error(`${this.members.length} members need as many inputs (got ${inputs.length})`);
    const members = this.members.map((e, i) => {
      const s = e.run(inputs[i]).scores;
      return this.logitsOut[i] ? softmax(s) : s;
    });
    return { members, scores: meanScores(members) };
  }

  /** Mean probabilities when every member sees the same features. */
  scores(features: ArrayLike<number>): number[] {
    return this.run(this.members.map(() => features)).scores;
  }

  /** Bytes of all member files together. */
  bytes(): number {
    return this.models.reduce((s, m) => s + encodeModel(m).length, 0);
  }
}
