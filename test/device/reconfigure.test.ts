/**
 * New detector settings mid-stream through the bundle's EARSHOT_INPUT.configure (what a device
 * does with a signed setThreshold command): on Node and on the engines that run the ES5 bundle
 * from a script, the change takes effect from the sample it is made at, bit for bit alike; a bad
 * value is refused with its reason; the C hosts, which drive the audio themselves, refuse the
 * option.
 */
import { spawnSync } from "node:child_process";
import { beforeAll, describe, expect, it } from "vitest";
import {
  missingEngineNote,
  type NativeEngine,
  nativeEnginePath,
} from "../../device/engines/native-engines";
import { EngineError } from "../../device/engines/protocol";
import { type EngineName, type RunOptions, runEngine } from "../../device/engines/run";
import { buildDevice } from "../../device/tools/build";
import { syntheticInt8Model } from "../../host/compress/synthetic-models";
import { encodeModel } from "../../shared/model-format/encode";
import { PARITY_SETTINGS, testSignal } from "./golden";

const model = Uint8Array.from(encodeModel(syntheticInt8Model({ seed: 5 })));
// 0.5 s: short enough for Espruino, which interprets the bundle from its source text.
const SAMPLES = testSignal(11, 8000);
const AT = 4000;
/** Nothing fires at threshold 1; from sample AT on, everything does, at twice the stride. */
const OPTS: RunOptions = {
  ...PARITY_SETTINGS,
  threshold: 1,
  smoothingWindow: 1,
  suppressionMs: 0,
  reconfigure: { atSample: AT, threshold: 0, strideFrames: 2 * PARITY_SETTINGS.strideFrames },
};

beforeAll(() => buildDevice(false, () => {}, "ES5 bundle"), 600_000);

describe("mid-stream settings (EARSHOT_INPUT.configure)", () => {
  it("node: from the sample on, the new threshold and stride hold; before it, the old ones", async () => {
    const before = await runEngine("node", model, SAMPLES, { ...OPTS, reconfigure: undefined });
    expect(before.events).toHaveLength(0);
    const r = await runEngine("node", model, SAMPLES, OPTS);
    // The events are exactly the inferences after the change: a suffix of them, not empty.
    const fired = r.events.map((e) => e.t);
    expect(fired.length).toBeGreaterThan(1);
    expect(fired.length).toBeLessThan(r.times.length);
    expect(r.times.slice(r.times.length - fired.length)).toEqual(fired);
    // The inferences' spacing doubled with the stride (before: 2 frames; after: 4).
    const steps = r.times.slice(1).map((t, i) => t - r.times[i]);
    expect(steps[0] * 2).toBe(steps.at(-1));
    // Up to the change, the run is the one without it.
    const same = before.times.filter((t) => t < fired[0]).length;
    expect(r.scores.slice(0, same - 1)).toEqual(before.scores.slice(0, same - 1));
  });

  it("node: a bad value is refused with its reason, not ignored", async () => {
    await expect(
      runEngine("node", model, SAMPLES, {
        ...OPTS,
        reconfigure: { atSample: AT, threshold: 2 },
      }),
    ).rejects.toThrow(/threshold 2 is not in 0\.\.1/);
  });

  it("the C hosts refuse the option: they feed the audio from C", async () => {
    await expect(runEngine("jerryscript-native", model, SAMPLES, OPTS)).rejects.toThrow(
      /reconfigure: node, duk, espruino.* only, where a script feeds .* \(not jerryscript-native\)/,
    );
  });

  const dukBuilt = spawnSync("duk", ["-e", "1"]).status === 0;
  const engines: [EngineName, boolean][] = [
    ["duk", dukBuilt],
    ["jerryscript", nativeEnginePath("jerryscript") !== null],
    ["espruino", nativeEnginePath("espruino") !== null],
  ];
  for (const [engine, built] of engines)
    if (!built)
      console.warn(
        engine === "duk" ? "duk is not installed" : missingEngineNote(engine as NativeEngine),
      );

  it.each(engines)(
    "%s: the same events, scores and times as node",
    async (engine, built) => {
      if (!built) return;
      const want = await runEngine("node", model, SAMPLES, OPTS);
      const got = await runEngine(engine, model, SAMPLES, OPTS);
      expect(got.times).toEqual(want.times);
      expect(got.scores).toEqual(want.scores);
      expect(got.events).toEqual(want.events);
      if (engine === "jerryscript")
        await expect(
          runEngine(engine, model, SAMPLES, {
            ...OPTS,
            reconfigure: { atSample: AT, threshold: 2 },
          }),
        ).rejects.toThrow(EngineError);
    },
    300_000,
  );
});
