import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import type { Example, Task } from "../../host/data";
import { subsetExamples, subsetSplits } from "../../host/eval/subsets";

const ex = (path: string) => ({ path }) as unknown as Example;
const task = {
  examples: { train: [ex("t1"), ex("t2")], validation: [ex("v1")], test: [ex("s1"), ex("s2")] },
} as unknown as Task;
const paths = (subset: string) =>
  subsetExamples(task, subset, "data", "speaker").map(
    (e) => (e as unknown as { path: string }).path,
  );

describe("eval subsets", () => {
  it("one split, several pooled with + in the order named, or all", () => {
    expect(paths("test")).toEqual(["s1", "s2"]);
    expect(paths("validation+test")).toEqual(["v1", "s1", "s2"]);
    expect(paths("test+validation")).toEqual(["s1", "s2", "v1"]);
    expect(paths("all")).toEqual(["t1", "t2", "v1", "s1", "s2"]);
    expect(subsetSplits("train+test")).toEqual(["train", "test"]);
  });

  it("refuses unknown, repeated and empty subsets by name", () => {
    expect(() => subsetSplits("validation+dev")).toThrow(
      "subset 'validation+dev': 'dev' is not one of train, validation, test",
    );
    expect(() => subsetSplits("test+test")).toThrow("subset 'test+test' names a split twice");
    const empty = { examples: { train: [], validation: [], test: [] } } as unknown as Task;
    expect(() => subsetExamples(empty, "validation+test", "data", "speaker")).toThrow(
      "data: the validation+test subset is empty (split 'speaker'; try --split)",
    );
  });

  it("earshot eval --subset refuses a bad value in one line", () => {
    const r = spawnSync(
      process.execPath,
      ["bin/earshot.js", "eval", "--model", "m.esm", "--data", ".", "--subset", "validation,test"],
      { encoding: "utf8" },
    );
    expect(r.status).toBe(1);
    expect(r.stderr.trim()).toBe(
      "earshot: --subset: subset 'validation,test': 'validation,test' is not one of train, validation, test (pool several with +, or all)",
    );
  });
});
