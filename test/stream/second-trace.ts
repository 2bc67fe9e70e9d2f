import type { BestTrace } from "../../host/stream/replay";

/**
 * A replay trace of one inference per second: `fire[i]` = [class, score] at second i, class
 * `rest` at 0.1 elsewhere.
 */
export function perSecondTrace(
  fire: Record<number, [number, number]>,
  seconds: number,
  rest = 2,
): BestTrace {
  const best = new Int32Array(seconds).fill(rest);
  const score = new Float64Array(seconds).fill(0.1);
  for (const [i, [c, s]] of Object.entries(fire)) {
    best[Number(i)] = c;
    score[Number(i)] = s;
  }
  return {
    smoothingWindow: 1,
    times: [...Array(seconds).keys()].map((i) => i * 1000),
    best,
    score,
  };
}
