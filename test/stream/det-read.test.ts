// Reading the DET curve at a false-accept budget, as the recipe and the demo report it.
import { describe, expect, it } from "vitest";
import { frrAtFaPerHour } from "../../host/stream/match";
import { detPoint } from "./points";

const pt = detPoint;

describe("frrAtFaPerHour", () => {
  it("takes the lowest FRR among points within the budget, null when none is", () => {
    const pts = [pt(0.2, 0.05, 12), pt(0.5, 0.1, 2), pt(0.7, 0.2, 1), pt(0.9, 0.5, 0)];
    expect(frrAtFaPerHour(pts, 1)).toBe(0.2);
    expect(frrAtFaPerHour(pts, 0.5)).toBe(0.5);
    expect(frrAtFaPerHour(pts, 2)).toBe(0.1);
    expect(frrAtFaPerHour(pts.slice(0, 2), 1)).toBeNull();
  });
});
