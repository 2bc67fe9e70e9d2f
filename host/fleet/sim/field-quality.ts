/**
 * Detections scored against the planted keywords: a detection of the planted keyword between the
 * clip's start and `lateMs` after its end is a hit (one per plant); every other detection is a
 * false accept. Plants whose window had not closed when the stream stopped are not counted.
 */
import type { Plant } from "./audio-stream";

export interface HeardDetection {
  keyword: string;
  /** ms from stream start. */
  t: number;
}

export interface FieldQuality {
  planted: number;
  hits: number;
  misses: number;
  falseAccepts: number;
}

export function scoreDetections(
  plants: Plant[],
  heard: HeardDetection[],
  streamMs: number,
  lateMs = 1000,
): FieldQuality {
  const isClosed = (p: Plant) => p.endMs + lateMs <= streamMs;
  const used = new Set<number>();
  let hits = 0;
  let falseAccepts = 0;
  for (const d of heard) {
    const i = plants.findIndex(
      (p, k) =>
        !used.has(k) && p.keyword === d.keyword && d.t >= p.startMs && d.t <= p.endMs + lateMs,
    );
    if (i < 0) falseAccepts++;
    else {
      used.add(i);
      if (isClosed(plants[i])) hits++;
    }
  }
  const planted = plants.filter(isClosed).length;
  return { planted, hits, misses: planted - hits, falseAccepts };
}
