/**
 * C test harnesses: a harness's main.c compiled with the device's C flags and some of
 * device/targets/c-kernels/ (the bit-for-bit checks of the C front end and kernels).
 */
import { spawnSync } from "node:child_process";
import path from "node:path";
import { C_FLAGS, C_KERNELS_DIR } from "../device/tools/build";

export const haveGcc = spawnSync("sh", ["-c", "command -v gcc"]).status === 0;

/** Compiles `main` with the C kernels' `sources` (file names in c-kernels/) into `exe`; throws gcc's errors. */
export function compileHarness(main: string, sources: string[], exe: string): void {
  const r = spawnSync(
    "gcc",
    [
      ...C_FLAGS,
      `-I${C_KERNELS_DIR}`,
      main,
      ...sources.map((s) => path.join(C_KERNELS_DIR, s)),
      "-lm",
      "-o",
      exe,
    ],
    { encoding: "utf8" },
  );
  if (r.status !== 0) throw new Error(`gcc failed:\n${r.stderr}`);
}
