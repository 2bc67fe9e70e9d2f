/**
 * Seed 000's published accuracy-vs-size points (Speech Commands v2, 12 classes; its §III and
 * §V-B text, full dataset and 30 x 600 steps of training), overlaid on earshot's fronts for
 * their shape. Sizes in KiB at the stored bit width, accuracy in percent.
 */
export interface PublishedPoint {
  series: string;
  label: string;
  kib: number;
  accuracy: number;
}

export const SEED000_POINTS: readonly PublishedPoint[] = [
  { series: "seed 000 int8 (paper)", label: "m10 k3 f4", kib: 2.91, accuracy: 70.25 },
  { series: "seed 000 int8 (paper)", label: "f8", kib: 11.43, accuracy: 81.57 },
  { series: "seed 000 int8 (paper)", label: "", kib: 25.78, accuracy: 85.65 },
  { series: "seed 000 int8 (paper)", label: "", kib: 51.17, accuracy: 87.68 },
  { series: "seed 000 binary (paper)", label: "", kib: 38.9, accuracy: 90.17 },
  { series: "seed 000 binary (paper)", label: "", kib: 71.27, accuracy: 91.23 },
  { series: "seed 000 baselines (paper)", label: "res8-narrow float", kib: 80, accuracy: 92.14 },
  { series: "seed 000 baselines (paper)", label: "res8-bin", kib: 56.06, accuracy: 69.5 },
];

/** The size under which seed 000 finds int8 ahead of binary, and above which binary leads. */
export const SEED000_CROSSOVER_KIB = 26;
