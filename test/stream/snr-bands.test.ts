/**
 * Misses by SNR band on a constructed trace: each keyword lands in the band of the SNR it was
 * planted at, bands hold hits and misses exactly, and a clip without an SNR counts as the lowest.
 */
import { describe, expect, it } from "vitest";
import type { Target } from "../../host/stream/match";
import { bySnr, snrBand } from "../../host/stream/snr-bands";
import type { SweepContext } from "../../host/stream/sweep";
import { perSecondTrace } from "./second-trace";

const labels = ["_silence_", "_unknown_", "yes", "no"];

describe("bySnr", () => {
  it("puts each planted keyword in its SNR band and counts that band's hits", () => {
    const targets: Target[] = [
      { label: "yes", startMs: 2000, endMs: 3000, snrDb: -4 }, // hit
      { label: "no", startMs: 6000, endMs: 7000, snrDb: -0.5 }, // missed
      { label: "yes", startMs: 10000, endMs: 11000, snrDb: 0 }, // hit (0 is in 0..5)
      { label: "no", startMs: 14000, endMs: 15000, snrDb: 7 }, // wrong keyword fires: missed
      { label: "yes", startMs: 18000, endMs: 19000, snrDb: 12 }, // hit
      { label: "no", startMs: 22000, endMs: 23000, snrDb: null }, // silent clip: lowest band, missed
    ];
    const ctx: SweepContext = {
      labels,
      targets,
      durationMs: 26000,
      suppressionMs: 1000,
      toleranceMs: 500,
    };
    const b = perSecondTrace({ 3: [2, 0.9], 11: [2, 0.8], 15: [2, 0.9], 19: [2, 0.95] }, 26);
    expect(bySnr(b, 0.5, ctx)).toEqual([
      { snr_db: "< 0", targets: 3, hits: 1, frr: 2 / 3 },
      { snr_db: "0..5", targets: 1, hits: 1, frr: 0 },
      { snr_db: "5..10", targets: 1, hits: 0, frr: 1 },
      { snr_db: ">= 10", targets: 1, hits: 1, frr: 0 },
    ]);
    // Above every score nothing fires: every band is all misses.
    expect(bySnr(b, 0.99, ctx).map((x) => x.hits)).toEqual([0, 0, 0, 0]);
  });

  it("bands by lower edge included", () => {
    expect([-0.01, 0, 4.99, 5, 10, null].map(snrBand)).toEqual([0, 1, 1, 2, 3, 0]);
  });
});
