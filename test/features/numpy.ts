import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { FrontEndConfig } from "../../shared/features";

const SCRIPT = path.resolve(import.meta.dirname, "reference_mfcc.py");

let found: string | undefined;

/** A python with numpy: python3 on PATH first, then Debian's. Throws when neither has numpy. */
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

export interface NumpyJob {
  samples: ArrayLike<number>;
  config: FrontEndConfig;
}

export interface NumpyResult {
  frames: number;
  coeffs: number;
  data: Float64Array;
  /** Best wall time of one run inside Python (filterbank + features), seconds. */
  seconds: number;
}

/** Runs test/features/reference_mfcc.py on every job in one Python process. */
export function numpyFeaturesMany(jobs: NumpyJob[], repeat = 1): NumpyResult[] {
  const dir = mkdtempSync(path.join(tmpdir(), "earshot-fe-"));
  try {
    const files = jobs.map((job, i) => {
      const input = path.join(dir, `in${i}.f64`);
      writeFileSync(input, Buffer.from(Float64Array.from(job.samples).buffer));
      return { config: job.config, input, output: path.join(dir, `out${i}.f64`) };
    });
    const jobsFile = path.join(dir, "jobs.json");
    writeFileSync(jobsFile, JSON.stringify(files));
    const r = spawnSync(findPython(), [SCRIPT, "--jobs", jobsFile, "--repeat", String(repeat)], {
      encoding: "utf8",
    });
    if (r.status !== 0) throw new Error(`reference_mfcc.py failed: ${r.stderr}`);
    const lines = r.stdout.trim().split("\n");
    return files.map((f, i) => {
      const meta = JSON.parse(lines[i]);
      const buf = readFileSync(f.output);
      const data = Float64Array.from(
        new Float64Array(buf.buffer, buf.byteOffset, buf.byteLength / 8),
      );
      return { frames: meta.frames, coeffs: meta.coeffs, data, seconds: meta.seconds };
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** One job: `samples` under `cfg`. */
export function numpyFeatures(
  samples: ArrayLike<number>,
  cfg: FrontEndConfig,
  repeat = 1,
): NumpyResult {
  return numpyFeaturesMany([{ samples, config: cfg }], repeat)[0];
}
