/**
 * Per-clip cost of batch preparation with the kws12 recipe's audio augmentation (issue 13: the
 * epoch should run at the step's speed): each stage of the Augmenter timed on its own over real
 * 1 s clips, the front end, and the whole augmented clip (Augmenter.apply + features) as a
 * batch worker makes it. Stages that run on a fraction of clips are also shown weighted by
 * their probability. The vocal tract warp is timed twice in the same process, passes
 * interleaved: "before" is its plain pre-issue-13 form kept as the tests' oracle
 * (test/data/reference/), "after" the current one. The whole clip is timed both with the warp in
 * the audio and with it in the mel filter bank (`vtlpDomain: "filterbank"`), passes
 * interleaved. Run:
 *
 *   npm run bench:augment [-- --data ../shared/speech/sc-v2-test --clips 48 --repeat 3]
 *
 * The last line is one JSON object; its `*_ms` figures are CPU milliseconds per clip (best of
 * `repeat` passes) of the current code, `*_before_ms` the reference's (where there is one),
 * `warp_share` the vocal tract warp's share of a whole augmented clip, `augmented_clip_filterbank_ms`
 * the whole clip with the warp in the filter bank. The front end's "after" is the native addon's
 * C front end where it is built (same bits), "before" the TS one; `augmented_clip_ts_front_end_ms`
 * is the whole clip with the TS front end.
 */
import { readdirSync } from "node:fs";
import { loadavg } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import {
  Augmenter,
  applyGainDb,
  applyReverb,
  changeSpeed,
  cutNoise,
  mixAtSnr,
  Rng,
  syntheticImpulseResponse,
  timeShift,
} from "../host/data";
import { vtlpWarp } from "../host/data/voice-warp";
import { CLIP_SAMPLES, padOrTrim, readWav } from "../host/data/wav/read";
import { nativeAddon } from "../host/native/load";
import { FeatureCache } from "../host/train/features";
import { KWS_AUGMENT } from "../host/train/recipes";
import { PRESETS } from "../shared/features";
import { vtlpWarp as vtlpWarpBefore } from "../test/data/reference/voice-warp";

const { values } = parseArgs({
  options: {
    data: { type: "string", default: join(import.meta.dirname, "../../shared/speech/sc-v2-test") },
    clips: { type: "string", default: "48" },
    repeat: { type: "string", default: "3" },
  },
});
const nClips = Number(values.clips);
const repeat = Number(values.repeat);
const root = values.data;

/** Up to `n` clips spread over the dataset's word folders, and its background noise. */
function loadClips(n: number): { clips: Float32Array[]; noise: Float32Array[] } {
  const words = readdirSync(root, { withFileTypes: true })
    .filter((d) => d.isDirectory() && !d.name.startsWith("_"))
    .map((d) => d.name)
    .sort();
  const files = words.map((w) =>
    readdirSync(join(root, w))
      .filter((f) => f.endsWith(".wav"))
      .sort()
      .map((f) => join(root, w, f)),
  );
  const clips: Float32Array[] = [];
  for (let i = 0; clips.length < n; i++) {
    const list = files[i % files.length];
    const f = list[Math.floor(i / files.length)];
    if (f) clips.push(padOrTrim(readWav(f).samples, CLIP_SAMPLES));
    else if (i > n * files.length) break;
  }
  const noiseDir = join(root, "../_background_noise_");
  let noise: Float32Array[] = [];
  try {
    noise = readdirSync(noiseDir)
      .filter((f) => f.endsWith(".wav"))
      .sort()
      .map((f) => readWav(join(noiseDir, f)).samples);
  } catch {
    // no noise folder beside the data: noise mixing is left out of the figures
  }
  return { clips, noise };
}

const { clips, noise } = loadClips(nClips);
const c = KWS_AUGMENT;
// The trainer's path to features of an augmented clip (no disk cache): the native addon's C
// front end where it is built; tsFeatures keeps the TS front end ("before" of the front end and
// of the whole clip).
const features = new FeatureCache(PRESETS.MFCC_30_10_40, null);
const tsFeatures = new FeatureCache(PRESETS.MFCC_30_10_40, null, undefined, false);
const frontEndPath = nativeAddon() === null ? "TS (no native addon)" : "the addon's C front end";
// Babble from the clips themselves (the recipe uses non-keyword training clips).
const augmenter = new Augmenter(c, noise, undefined, clips);
const inBank = new Augmenter({ ...c, vtlpDomain: "filterbank" }, noise, undefined, clips);

type Stage = (x: Float32Array, rng: Rng) => unknown;

/** CPU ms per clip of one pass of `fn` over every clip. */
function pass(fn: Stage): number {
  const rng = new Rng(7);
  const c0 = process.cpuUsage();
  for (const x of clips) fn(x, rng);
  const c = process.cpuUsage(c0);
  return (c.user + c.system) / 1000 / clips.length;
}

/**
 * Best over `repeat` passes of CPU ms per clip of `now`, and of `old` where given (one warm-up
 * pass each; passes alternate, so both see the same load). CPU time, not wall: on the shared
 * 2-core host wall time swings with other jobs' load.
 */
function perClip(now: Stage, old?: Stage): { before: number | null; ms: number } {
  if (old) pass(old);
  pass(now);
  let b = Number.POSITIVE_INFINITY;
  let a = Number.POSITIVE_INFINITY;
  for (let r = 0; r < repeat; r++) {
    if (old) b = Math.min(b, pass(old));
    a = Math.min(a, pass(now));
  }
  return { before: old ? b : null, ms: a };
}

const speed = c.speed ?? [0.9, 1.1];
const vtlp = c.vtlp ?? [0.9, 1.1];
const reverb = c.reverb ?? { probability: 0, rt60Ms: [100, 600], wet: [0.1, 0.6] };
const stages: Record<string, { before: number | null; ms: number; probability: number }> = {
  speed: {
    ...perClip((x, r) => changeSpeed(x, r.uniform(speed[0], speed[1]))),
    probability: 1,
  },
  vtlp: {
    ...perClip(
      (x, r) => vtlpWarp(x, r.uniform(vtlp[0], vtlp[1])),
      (x, r) => vtlpWarpBefore(x, r.uniform(vtlp[0], vtlp[1])),
    ),
    probability: 1,
  },
  gain_shift: {
    ...perClip((x, r) => timeShift(applyGainDb(x, r.uniform(-6, 6)), r.int(3201) - 1600)),
    probability: 1,
  },
  reverb: {
    ...perClip((x, r) =>
      applyReverb(x, syntheticImpulseResponse(r.uniform(0.1, 0.6), r), r.uniform(0.1, 0.6)),
    ),
    probability: reverb.probability,
  },
  babble: {
    ...perClip((x, r) => mixAtSnr(x, r.pick(clips), r.uniform(5, 20))),
    probability: c.babble?.probability ?? 0,
  },
  noise:
    noise.length > 0
      ? {
          ...perClip((x, r) => mixAtSnr(x, cutNoise(noise, x.length, r), r.uniform(0, 20))),
          probability: c.noise?.probability ?? 0,
        }
      : { before: null, ms: 0, probability: 0 },
  front_end: {
    ...perClip(
      (x) => features.compute(x),
      (x) => tsFeatures.compute(x),
    ),
    probability: 1,
  },
  front_end_warped: {
    ...perClip(
      (x, r) => features.compute(x, r.uniform(vtlp[0], vtlp[1])),
      (x, r) => tsFeatures.compute(x, r.uniform(vtlp[0], vtlp[1])),
    ),
    probability: 1,
  },
};
// The whole clip with each front end, passes interleaved; then with the warp in the filter bank.
const whole = perClip(
  (x, r) => features.augmented(x, augmenter, r),
  (x, r) => tsFeatures.augmented(x, augmenter, r),
);
const inBankClip = perClip((x, r) => features.augmented(x, inBank, r));

const load = loadavg()
  .map((l) => l.toFixed(2))
  .join(" ");
console.log(`${clips.length} clips from ${root}, ${noise.length} noise recordings; load ${load}`);
console.log("  stage        before   after ms/clip  x p   = weighted before / after");
const f2 = (v: number | null, w = 6) => (v === null ? "-" : v.toFixed(2)).padStart(w);
const times = (v: number | null, p: number) => (v === null ? null : v * p);
for (const [name, s] of Object.entries(stages))
  console.log(
    `  ${name.padEnd(11)} ${f2(s.before)}  ${f2(s.ms)}        ${String(s.probability).padEnd(4)}  ${f2(times(s.before, s.probability))} / ${f2(s.ms * s.probability)}`,
  );
console.log(`  front end "after": ${frontEndPath}`);
console.log(
  `  augmented clip + front end: ${f2(whole.ms, 0)} ms (TS front end: ${f2(whole.before, 0)} ms)`,
);
console.log(`  the same, warp in the filter bank: ${f2(inBankClip.ms, 0)} ms`);
const r3 = (v: number | null) => (v === null ? null : Number(v.toFixed(3)));
console.log(
  JSON.stringify({
    clips: clips.length,
    ...Object.fromEntries(Object.entries(stages).map(([k, s]) => [`${k}_ms`, r3(s.ms)])),
    ...Object.fromEntries(
      Object.entries(stages)
        .filter(([, s]) => s.before !== null)
        .map(([k, s]) => [`${k}_before_ms`, r3(s.before)]),
    ),
    augmented_clip_ms: r3(whole.ms),
    augmented_clip_ts_front_end_ms: r3(whole.before),
    native_front_end: nativeAddon() !== null,
    augmented_clip_filterbank_ms: r3(inBankClip.ms),
    warp_share: r3(stages.vtlp.ms / whole.ms),
    load1: Number(loadavg()[0].toFixed(2)),
  }),
);
