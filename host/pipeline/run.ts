import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { runEarshot } from "./child";
import { PipelineError } from "./errors";
import type { PipelineStep } from "./kws12";

export interface StepOutcome {
  step: string;
  seconds: number;
  report: string;
}

/**
 * Runs the steps in order, each report written as it completes; the first failing step stops
 * the pipeline with its name (what earlier steps made stays, so a rerun continues from there).
 */
export async function runPipeline(
  steps: readonly PipelineStep[],
  say: (line: string) => void,
): Promise<StepOutcome[]> {
  const done: StepOutcome[] = [];
  for (const [i, s] of steps.entries()) {
    say(`== [${i + 1}/${steps.length}] ${s.name}: earshot ${s.args.join(" ")}`);
    const r = await runEarshot(s.args);
    mkdirSync(dirname(s.report), { recursive: true });
    writeFileSync(s.report, r.stdout);
    if (!r.ok) throw new PipelineError(`step '${s.name}' failed (see the message above)`);
    say(`   done in ${r.seconds.toFixed(1)} s -> ${s.report}`);
    done.push({ step: s.name, seconds: Math.round(r.seconds * 10) / 10, report: s.report });
  }
  return done;
}

/** A step's JSON report, or null when it is missing or not JSON. */
export function readReport<T>(path: string): T | null {
  if (!existsSync(path)) return null;
  try {
    return JSON.parse(readFileSync(path, "utf8")) as T;
  } catch {
    return null;
  }
}
