/**
 * Front-end speed: seconds of audio processed per second of compute, on one core, for the batch
 * API (one 60 s array, and 1 s clips through one reused FrontEnd as the trainer does), the
 * streaming API (10 ms and 1 s chunks), and the NumPy reference (vectorized; numpy's FFT in C)
 * on the same audio in the same run. Run: npm run bench:features [-- --seconds 60 --preset NAME]
 * The last line is one JSON object with every figure.
 */

import { parseArgs } from "node:util";
import {
  extractFeatures,
  FrontEnd,
  type FrontEndConfig,
  PRESETS,
  StreamingFrontEnd,
} from "../shared/features";
import { testSignal } from "../test/features/fixtures";
import { numpyFeatures } from "../test/features/numpy";

const { values } = parseArgs({
  options: {
    seconds: { type: "string", default: "60" },
    preset: { type: "string", default: "MFCC_30_10_40" },
    repeat: { type: "string", default: "5" },
  },
});
const seconds = Number(values.seconds);
const repeat = Number(values.repeat);
const cfg: FrontEndConfig | undefined = PRESETS[values.preset];
if (!cfg) throw new Error(`unknown preset ${values.preset}`);

const audio = Float32Array.from(testSignal(seconds, 11));
const clipLen = cfg.sampleRate;

/** Best wall time of `repeat` runs of `fn` after one warm-up, in seconds. */
function best(fn: () => void): number {
  fn();
  let b = Number.POSITIVE_INFINITY;
  for (let r = 0; r < repeat; r++) {
    const t0 = performance.now();
    fn();
    b = Math.min(b, (performance.now() - t0) / 1000);
  }
  return b;
}

let sink = 0;
const results: Record<string, number> = {};
function report(name: string, secs: number): void {
  results[name] = seconds / secs;
  console.log(`${name.padEnd(34)} ${(seconds / secs).toFixed(0).padStart(7)} s audio / s`);
}

report(
  "batch, one array",
  best(() => {
    sink += extractFeatures(audio, cfg).data[0];
  }),
);

const fe = new FrontEnd(cfg);
const clipOut = new Array<number>(fe.frameCount(clipLen) * fe.coeffs).fill(0);
report(
  "batch, 1 s clips, reused FrontEnd",
  best(() => {
    for (let s = 0; s + clipLen <= audio.length; s += clipLen) {
      fe.extract(audio.subarray(s, s + clipLen), clipOut);
      sink += clipOut[0];
    }
  }),
);

report(
  "batch, 1 s clips, extractFeatures",
  best(() => {
    for (let s = 0; s + clipLen <= audio.length; s += clipLen) {
      sink += extractFeatures(audio.subarray(s, s + clipLen), cfg).data[0];
    }
  }),
);

for (const chunk of [160, 16000]) {
  report(
    `streaming, ${chunk}-sample chunks`,
    best(() => {
      const st = new StreamingFrontEnd(cfg, {
        onFrame(c) {
          sink += c[0];
        },
      });
      for (let s = 0; s < audio.length; s += chunk)
        st.push(audio, s, Math.min(audio.length, s + chunk));
    }),
  );
}

const np = numpyFeatures(audio, cfg, repeat);
report("numpy reference, one array", np.seconds);

const ours = results["batch, one array"];
console.log(`batch / numpy: ${(ours / results["numpy reference, one array"]).toFixed(2)}x`);
console.log(
  JSON.stringify({
    bench: "features",
    preset: values.preset,
    audioSeconds: seconds,
    audioSecondsPerSecond: results,
    batchOverNumpy: ours / results["numpy reference, one array"],
    checksum: sink !== 0,
  }),
);
