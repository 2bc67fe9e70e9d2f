/**
 * bench:device figures for the device engines deploy/engines.sh builds: instructions per audio
 * second under callgrind (the difference between two clip lengths, so start-up and model load
 * cancel) and peak memory (JerryScript: its heap's peak from `--mem-stats`). A small int8 model
 * (the parity tests' synthetic one, stride 2): these engines interpret the runtime, and a
 * res8-narrow-sized model under callgrind would take many minutes. Engines not built are left
 * out (named on stderr).
 */
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { deviceInputScripts, jerryScriptArgs } from "../../device/engines/device-input";
import { missingEngineNote, nativeEnginePath } from "../../device/engines/native-engines";
import { buildOutputs } from "../../device/engines/paths";
import { syntheticInt8Model } from "../../host/compress/synthetic-models";
import { encodeModel } from "../../shared/model-format/encode";

export interface EngineFigures {
  instr_per_audio_second: number;
  peak_bytes: number;
}

function clip(samples: number): Int16Array {
  const out = new Int16Array(samples);
  for (let i = 0; i < samples; i++)
    out[i] = Math.round(6000 * Math.sin(i * 0.05) + ((i * 7919) % 2000) - 1000);
  return out;
}

/** Instructions callgrind counts for `cmd args`, and the process's output. */
function callgrind(cmd: string, args: string[]): { instr: number; stdout: string } {
  const r = spawnSync(
    "valgrind",
    ["--tool=callgrind", "--callgrind-out-file=/dev/null", cmd, ...args],
    {
      encoding: "utf8",
      maxBuffer: 1 << 28,
    },
  );
  const m = /Collected : (\d+)/.exec(r.stderr);
  if (r.status !== 0 || !m) throw new Error(`callgrind ${cmd} failed: ${r.stderr.slice(-400)}`);
  // jerry's --mem-stats goes to stderr, beside valgrind's own lines.
  return { instr: Number(m[1]), stdout: `${r.stdout}\n${r.stderr}` };
}

function jerryRun(tmp: string, seconds: number): { instr: number; peak: number } {
  const model = Uint8Array.from(encodeModel(syntheticInt8Model({ seed: 5 })));
  const scripts = deviceInputScripts(model, clip(Math.round(16000 * seconds)), false, ",,2,");
  const args = jerryScriptArgs(tmp, `jerry-${seconds}-`, scripts, buildOutputs().es5);
  const bin = nativeEnginePath("jerryscript") as string;
  const r = callgrind(bin, ["--mem-stats", ...args]);
  const peak = /Peak allocated = (\d+) bytes/.exec(r.stdout);
  if (!peak || !/^P /m.test(r.stdout))
    throw new Error(`jerry run failed:\n${r.stdout.slice(-400)}`);
  return { instr: r.instr, peak: Number(peak[1]) };
}

/** Per-engine figures, and the ES5 bundle's size. */
export function deviceEngineFigures(tmp: string): {
  engines: Record<string, EngineFigures>;
  es5_bundle_bytes: number;
} {
  const engines: Record<string, EngineFigures> = {};
  if (nativeEnginePath("jerryscript") !== null) {
    const short = jerryRun(tmp, 0.5);
    const long = jerryRun(tmp, 1);
    engines.jerryscript = {
      instr_per_audio_second: Math.round((long.instr - short.instr) / 0.5),
      peak_bytes: long.peak,
    };
  } else process.stderr.write(`${missingEngineNote("jerryscript")}\n`);
  return { engines, es5_bundle_bytes: readFileSync(buildOutputs().es5).length };
}
