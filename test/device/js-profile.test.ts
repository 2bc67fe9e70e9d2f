import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import {
  formatJsProfile,
  gdbSamplerScript,
  jsProfile,
  samplesOf,
} from "../../device/engines/js-profile";
import { nativeEnginePath } from "../../device/engines/native-engines";
import { runEngine } from "../../device/engines/run";
import { syntheticInt8Model } from "../../host/compress/synthetic-models";
import { encodeModel } from "../../shared/model-format/encode";

const dir = mkdtempSync(join(tmpdir(), "earshot-js-profile-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("js profile: samples per enclosing function", () => {
  const source =
    "var x=1;function a(r){return r+1}function b(r){for(var i=0;i<r;i++)x+=i;return x}b(3);";

  it("counts each sample in the function whose text holds it, and what it cannot place", () => {
    const p = jsProfile(source, [
      "for(var i=0;i<r;i++)x+=i;return x}",
      "x+=i;return x}b(3);",
      "return r+1}function b(r)",
      "b(3);", // too short to place
      "nowhere in the source at all",
    ]);
    expect(p.samples).toBe(5);
    expect(p.unmapped).toBe(2);
    expect(p.rows.map((r) => [r.samples, r.head.slice(0, 10)])).toEqual([
      [2, "function b"],
      [1, "function a"],
    ]);
    expect(formatJsProfile(p).split("\n")[0]).toBe("5 samples, 2 unmapped");
  });

  it("reads the SAMPLE lines of gdb's log, and refuses arguments gdb's run line would split", () => {
    expect(samplesOf("Breakpoint 2, x\nSAMPLE a(b)\nother\nSAMPLE c\n")).toEqual(["a(b)", "c"]);
    expect(gdbSamplerScript("/tmp/l", 500, ["/tmp/in.js"])).toMatch(
      /^run \/tmp\/in\.js < \/dev\/null$/m,
    );
    expect(() => gdbSamplerScript("/tmp/l", 500, ["/tmp/a b.js"])).toThrow(/needs quoting/);
  });
});

describe.skipIf(nativeEnginePath("espruino-native") === null)(
  "js profile of espruino-native under gdb",
  () => {
    it("samples the runtime's JS without changing what the engine computes", async () => {
      const model = Uint8Array.from(encodeModel(syntheticInt8Model({ seed: 5 })));
      const samples = new Int16Array(8000);
      for (let i = 0; i < samples.length; i++)
        samples[i] = Math.round(6000 * Math.sin(i * 0.05) + ((i * 7919) % 2000) - 1000);
      const out = join(dir, "profile.txt");
      const plain = await runEngine("espruino-native", model, samples, { strideFrames: 2 });
      const profiled = await runEngine("espruino-native", model, samples, {
        strideFrames: 2,
        jsProfileOut: out,
        jsProfileEvery: 1000,
      });
      expect(profiled.scores).toEqual(plain.scores);
      const p = profiled.jsProfile;
      expect(p).toBeDefined();
      expect(p?.samples).toBeGreaterThan(10);
      const placed = (p?.rows ?? []).reduce((s, r) => s + r.samples, 0);
      expect(placed + (p?.unmapped ?? 0)).toBe(p?.samples);
      // Most samples are placed in the bundle's functions, and the file is the formatted profile.
      expect(placed).toBeGreaterThan((p?.samples ?? 0) / 2);
      expect(readFileSync(out, "utf8")).toBe(formatJsProfile(p as NonNullable<typeof p>));
    }, 300_000);

    it("is refused on other engines", async () => {
      const model = Uint8Array.from(encodeModel(syntheticInt8Model({ seed: 5 })));
      await expect(
        runEngine("duktape-host", model, new Int16Array(1600), { jsProfileOut: join(dir, "x") }),
      ).rejects.toThrow(/espruino-native only/);
    });
  },
);
