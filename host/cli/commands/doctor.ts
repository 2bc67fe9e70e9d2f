import type { Command } from "@commander-js/extra-typings";
import { emit } from "../output";

export function register(program: Command): void {
  program
    .command("doctor")
    .description("Report what this machine offers: Node, training backend, device engines, servers")
    .option("--json", "machine-readable output")
    .action(async (opts) => {
      const { ENGINES, probeEngine } = await import("../../doctor/engines");
      const { loadBackend } = await import("../../train/backend");
      const { nativeStatus } = await import("../../native/load");
      const backend = await loadBackend({ quiet: true });
      const native = nativeStatus();
      const report = {
        node: process.version,
        platform: `${process.platform}-${process.arch}`,
        cpus: (await import("node:os")).availableParallelism(),
        trainingBackend: backend,
        // Host integer inference (and training kernels): the native addon, else wasm.
        native:
          native.addon !== null
            ? { path: "native" as const, file: native.file, build: native.info }
            : { path: "wasm-simd" as const, reason: native.reason },
        engines: ENGINES.map(probeEngine),
      };
      emit(opts, report, (r) => {
        const lines = [
          `node         ${r.node} (${r.platform}, ${r.cpus} cpus)`,
          `training     ${r.trainingBackend.name}${r.trainingBackend.simd ? " +simd" : ""}${r.trainingBackend.threads ? " +threads" : ""}${r.trainingBackend.warning ? `  ! ${r.trainingBackend.warning}` : ""}`,
          r.native.path === "native"
            ? `host kernels native addon (${r.native.build}): integer inference; training convs, fused conv + ReLU + pool, batch norm and Adam; the front end, resampler, vocal tract warp and reverb of augmentation`
            : `host kernels wasm-simd  (native addon: ${r.native.reason}; build: deploy/native.sh)`,
        ];
        for (const e of r.engines) {
          lines.push(
            e.installed
              ? `${e.name.padEnd(20)}ok   ${e.version ?? ""}`
              : `${e.name.padEnd(20)}MISSING  (${e.role}) -> ${e.hint}`,
          );
        }
        return lines.join("\n");
      });
    });
}
