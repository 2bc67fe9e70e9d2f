import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { FrontEndConfig } from "../../shared/features";

const SCRIPT = path.resolve(import.meta.dirname, "reference_mfcc.py");

/** A python with numpy: python3 on PATH first, then Debian's. Throws when neither has numpy. */
let found: string | undefined;

export function findPython(): string {
  if (found) return found;
  for (const exe of ["python3", "/usr/bin/python3"]) {
    const r = spawnSync(exe, ["-c", "import numpy"], { encoding: "utf8" });
    if (r.status === 0) {
      found = exe;
      return exe;
    }
  }
  throw new Error("no python3 with numpy found (tried python3 and /usr/bin/python3)");
}

export interface NumpyResult {
  frames: number;
  coeffs: number;
  data: Float64Array;
  /** Best wall time of one run inside Python (filterbank + features), seconds. */
  seconds: number;
}

/** Runs test/features/reference_mfcc.py on `samples` under `cfg`. */
export function numpyFeatures(
  samples: ArrayLike<number>,
  cfg: FrontEndConfig,
  repeat = 1,
): NumpyResult {
  const dir = mkdtempSync(path.join(tmpdir(), "earshot-fe-"));
  try {
    const input = path.join(dir, "in.f64");
    const output = path.join(dir, "out.f64");
    writeFileSync(input, Buffer.from(Float64Array.from(samples).buffer));
    const r = spawnSync(
      findPython(),
      [
        SCRIPT,
        "--config",
        JSON.stringify(cfg),
        "--input",
        input,
        "--output",
        output,
        "--repeat",
        String(repeat),
      ],
      { encoding: "utf8" },
    );
    if (r.status !== 0) throw new Error(`reference_mfcc.py failed: ${r.stderr}`);
    const meta = JSON.parse(r.stdout.trim().split("\n").pop() ?? "{}");
    const buf = readFileSync(output);
    const data = new Float64Array(buf.buffer, buf.byteOffset, buf.byteLength / 8);
    return {
      frames: meta.frames,
      coeffs: meta.coeffs,
      data: Float64Array.from(data),
      seconds: meta.seconds,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
