import { createHash } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { scanDataset } from "../../host/data/dataset";
import { Rng } from "../../host/data/rng";
import { hashName, percentageHash, speakerSplit, whichSet } from "../../host/data/split";
import { encodeWav16 } from "../../host/data/wav/write";

/** The README's which_set, written independently with BigInt over the full digest. */
function referenceWhichSet(file: string, val: number, test: number): string {
  const base = file.split("/").pop() as string;
  const name = base.replace(/_nohash_.*$/, "");
  const hex = createHash("sha1").update(name).digest("hex");
  const max = 2n ** 27n - 1n;
  const pct = Number(BigInt(`0x${hex}`) % (max + 1n)) * (100.0 / Number(max));
  if (pct < val) return "validation";
  if (pct < val + test) return "test";
  return "train";
}

const dir = mkdtempSync(join(tmpdir(), "earshot-split-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("which_set", () => {
  it("hashes the name with everything from _nohash_ removed", () => {
    expect(hashName("yes/0a7c2a8d_nohash_0.wav")).toBe("0a7c2a8d");
    expect(hashName("1024.wav")).toBe("1024.wav");
  });

  it("matches a BigInt reference on many speaker names and percentages", () => {
    const rng = new Rng(7);
    const counts = { train: 0, validation: 0, test: 0 };
    for (let i = 0; i < 3000; i++) {
      const speaker = rng.uint32().toString(16).padStart(8, "0");
      const file = `word/${speaker}_nohash_${i % 5}.wav`;
      for (const [v, t] of [
        [10, 10],
        [5, 20],
        [0, 0],
      ]) {
        expect(whichSet(file, { validation: v, test: t })).toBe(referenceWhichSet(file, v, t));
      }
      counts[whichSet(file)]++;
    }
    // 80:10:10 on average.
    expect(counts.validation / 3000).toBeGreaterThan(0.07);
    expect(counts.validation / 3000).toBeLessThan(0.13);
    expect(counts.test / 3000).toBeGreaterThan(0.07);
    expect(counts.test / 3000).toBeLessThan(0.13);
  });

  it("percentageHash lies in [0, 100]", () => {
    for (const n of ["a", "0a7c2a8d", "ffffffff", ""]) {
      const p = percentageHash(n);
      expect(p).toBeGreaterThanOrEqual(0);
      expect(p).toBeLessThanOrEqual(100);
    }
  });

  it("speakerSplit is independent of which_set yet keeps the proportions", () => {
    const rng = new Rng(3);
    let differ = 0;
    let test = 0;
    for (let i = 0; i < 2000; i++) {
      const s = rng.uint32().toString(16).padStart(8, "0");
      if (speakerSplit(s) !== whichSet(s)) differ++;
      if (speakerSplit(s) === "test") test++;
    }
    expect(differ).toBeGreaterThan(400);
    expect(test / 2000).toBeGreaterThan(0.07);
    expect(test / 2000).toBeLessThan(0.13);
  });
});

function corpus(name: string, files: string[], lists?: { validation: string[]; test: string[] }) {
  const root = join(dir, name);
  for (const f of files) {
    mkdirSync(join(root, f.split("/")[0]), { recursive: true });
    writeFileSync(join(root, f), encodeWav16(new Float32Array(1600).fill(0.1)));
  }
  if (lists) {
    writeFileSync(join(root, "validation_list.txt"), `${lists.validation.join("\n")}\n`);
    writeFileSync(join(root, "testing_list.txt"), `${lists.test.join("\n")}\n`);
  }
  return root;
}

describe("dataset split", () => {
  const rng = new Rng(11);
  const speakers = Array.from({ length: 60 }, () => rng.uint32().toString(16).padStart(8, "0"));
  const files: string[] = [];
  for (const w of ["yes", "no", "cat"])
    for (const s of speakers) for (let n = 0; n < 2; n++) files.push(`${w}/${s}_nohash_${n}.wav`);

  it("uses the hash without lists, and a speaker never spans two subsets", async () => {
    const ds = await scanDataset(corpus("hashed", files));
    expect(ds.splitSource).toBe("hash");
    const where = new Map<string, Set<string>>();
    for (const it of ds.items) {
      expect(it.split).toBe(referenceWhichSet(it.relPath, 10, 10));
      const set = where.get(it.speaker as string) ?? new Set();
      set.add(it.split);
      where.set(it.speaker as string, set);
    }
    expect(where.size).toBe(60);
    for (const s of where.values()) expect(s.size).toBe(1);
    expect(new Set(ds.items.map((i) => i.split)).size).toBe(3);
  });

  it("speaker mode is speaker-disjoint too", async () => {
    const ds = await scanDataset(join(dir, "hashed"), { splitMode: "speaker" });
    expect(ds.splitSource).toBe("speaker");
    const where = new Map<string, string>();
    for (const it of ds.items) {
      const prev = where.get(it.speaker as string);
      if (prev) expect(it.split).toBe(prev);
      where.set(it.speaker as string, it.split);
    }
  });

  it("honours validation_list.txt and testing_list.txt when present", async () => {
    const validation = [files[0], files[7]];
    const test = [files[3], files[150]];
    const ds = await scanDataset(corpus("listed", files, { validation, test }));
    expect(ds.splitSource).toBe("lists");
    for (const it of ds.items) {
      const want = validation.includes(it.relPath)
        ? "validation"
        : test.includes(it.relPath)
          ? "test"
          : "train";
      expect(it.split).toBe(want);
    }
    // ...unless the hash is asked for.
    const h = await scanDataset(join(dir, "listed"), { splitMode: "hash" });
    expect(h.splitSource).toBe("hash");
    expect(h.items.filter((i) => i.split === "test").length).toBeGreaterThan(2);
  });

  it("refuses splitMode 'lists' when there are none", async () => {
    await expect(scanDataset(join(dir, "hashed"), { splitMode: "lists" })).rejects.toThrow(
      /split lists requested/,
    );
  });
});
