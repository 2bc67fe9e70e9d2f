/**
 * Runs one `earshot` command as a child process, as a user would type it: its stderr (progress
 * bars, notes) passes through, its stdout (the JSON report) is captured. The demo and the recipe
 * pipelines are sequences of such steps, so every stage they run is a real, documented command.
 */
import { spawn } from "node:child_process";
import { resolve } from "node:path";

const CLI = resolve(import.meta.dirname, "../../bin/earshot.js");

export interface ChildResult {
  ok: boolean;
  stdout: string;
  seconds: number;
}

export function runEarshot(args: readonly string[]): Promise<ChildResult> {
  const t0 = performance.now();
  return new Promise((done) => {
    const child = spawn(process.execPath, [CLI, ...args], { stdio: ["ignore", "pipe", "inherit"] });
    let stdout = "";
    child.stdout.on("data", (d) => {
      stdout += d;
    });
    child.on("close", (code) =>
      done({ ok: code === 0, stdout, seconds: (performance.now() - t0) / 1000 }),
    );
  });
}
