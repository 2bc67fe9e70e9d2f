/**
 * Seed 000's iterative search space (§IV, Table I) and how a candidate becomes a training run.
 * Families are weight precisions; each has its bit width, which is how its size is counted, so
 * a search over several families gives one front over all precisions (issue 15).
 */
export const FAMILIES = ["float", "int8", "int5", "int4", "binary"] as const;
export type Family = (typeof FAMILIES)[number];

/** Stored bits per weight of each family. */
export const FAMILY_BITS: Record<Family, number> = {
  float: 32,
  int8: 8,
  int5: 5,
  int4: 4,
  binary: 1,
};

export function isFamily(s: string): s is Family {
  return (FAMILIES as readonly string[]).includes(s);
}

/** The four searched hyperparameters (Table I). */
export interface Arch {
  /** MFCCs per 30 ms window. */
  mfcc: number;
  /** Residual blocks D. */
  depth: number;
  /** Square kernel K. */
  kernel: number;
  /** Filters F per conv. */
  filters: number;
}

export type ArchParam = keyof Arch;

/** Table I in its order; the search explores these one after another. */
export const TABLE_I: readonly { param: ArchParam; values: readonly number[] }[] = [
  { param: "mfcc", values: [10, 20, 40] },
  { param: "depth", values: [2, 3, 4, 6, 8, 10] },
  { param: "kernel", values: [2, 3, 5, 7, 9] },
  { param: "filters", values: [4, 8, 16, 19, 32, 64] },
];

/** Table I's bold defaults (res8-narrow / res8-bin). */
export const BASELINE: Arch = { mfcc: 40, depth: 3, kernel: 3, filters: 19 };

export interface Candidate {
  family: Family;
  arch: Arch;
}

/** A stable name for a candidate: `int8/m40-d3-k3-f19`. */
export function candidateKey(c: Candidate): string {
  const a = c.arch;
  return `${c.family}/m${a.mfcc}-d${a.depth}-k${a.kernel}-f${a.filters}`;
}

/** The model zoo entry, builder config, front-end preset and precision that train a candidate. */
export function trainSpec(c: Candidate): {
  model: "res8" | "res8-bin";
  modelConfig: Record<string, unknown>;
  frontEnd: string;
  precision: Family;
} {
  const { depth, kernel, filters, mfcc } = c.arch;
  // Binary nets use seed 000's redesign (res8-bin: strided-conv downsampling, a shortcut per
  // conv); the others res8-narrow's layout with the searched widths.
  const binary = c.family === "binary";
  return {
    model: binary ? "res8-bin" : "res8",
    modelConfig: { blocks: depth, kernel, filters },
    frontEnd: `MFCC_30_10_${mfcc}`,
    precision: c.family,
  };
}

/** Frames of a 1 s clip with the 30 ms / 10 ms front end (MFCC_30_10_*). */
export const FRAMES_PER_CLIP = 98;
