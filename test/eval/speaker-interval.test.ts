/**
 * The speaker-resampled accuracy interval (host/eval/speaker-interval.ts): seeded, exact at the
 * extremes, near the binomial one when every clip has its own speaker, and wider when a few
 * speakers hold the clips.
 */
import { describe, expect, it } from "vitest";
import { speakerInterval } from "../../host/eval/speaker-interval";

describe("speakerInterval", () => {
  it("is the same for the same input and exact when every clip is right", () => {
    const correct = [true, false, true, true, false, true];
    const speakers = ["a", "a", "b", "c", "c", null];
    expect(speakerInterval(correct, speakers)).toEqual(speakerInterval(correct, speakers));
    const all = speakerInterval([true, true, true], ["a", "b", null]);
    expect(all.ci95).toEqual([1, 1]);
    expect([all.speakers, all.clipsWithoutSpeaker]).toEqual([2, 1]);
    expect(all.stderr).toBe(0);
  });

  it("resamples each speakerless clip as a speaker of its own", () => {
    const r = speakerInterval([true, false, true], [null, null, "x"]);
    expect([r.speakers, r.clipsWithoutSpeaker]).toEqual([1, 2]);
    // Three units resampled, not two: the interval can reach 1/3 and 1.
    expect(r.ci95[0]).toBeLessThan(0.5);
  });

  it("is about the binomial interval with one clip per speaker, wider when speakers cluster", () => {
    // 200 clips, 80% right.
    const correct = Array.from({ length: 200 }, (_, i) => i % 5 !== 0);
    const alone = speakerInterval(
      correct,
      correct.map((_, i) => `s${i}`),
    );
    const binomial = Math.sqrt((0.8 * 0.2) / 200);
    expect(alone.stderr).toBeGreaterThan(0.8 * binomial);
    expect(alone.stderr).toBeLessThan(1.2 * binomial);
    expect(alone.ci95[0]).toBeLessThan(0.8);
    expect(alone.ci95[1]).toBeGreaterThan(0.8);
    // The same answers from 10 speakers, two of whom hold every wrong one.
    const clustered = speakerInterval(
      Array.from({ length: 200 }, (_, i) => i >= 40),
      Array.from({ length: 200 }, (_, i) => `s${Math.floor(i / 20)}`),
    );
    expect(clustered.speakers).toBe(10);
    expect(clustered.stderr).toBeGreaterThan(2 * alone.stderr);
  });

  it("refuses clips and speakers that do not pair up", () => {
    expect(() => speakerInterval([true], [])).toThrow(/one speaker per clip/);
  });
});
