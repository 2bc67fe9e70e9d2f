/**
 * The device profile's bundling step (run by device/tools/build.ts as a child process: esbuild
 * plugins need its async API). Bundles the tsc output of the ES5 entry as the ES5 bundle does,
 * but resolves each module of DEVICE_PROFILE to its trusting variant: what a device need not run
 * because the host validated the model in full and the transport verified its bytes.
 *
 *   tsx device/tools/bundle-device.ts TSC_OUT_DIR ENTRY.js OUT.js [--sizes]
 *
 * --sizes prints the bytes each module takes in the minified bundle, largest first.
 */
import { join, resolve } from "node:path";
import { build, type Plugin } from "esbuild";

/** Module (tsc output, relative to its root) -> the device profile's replacement. */
export const DEVICE_PROFILE: [string, string][] = [
  // SHA-256 of the file: the transport (OTA updater) and the host verified it.
  ["shared/model-format/digest.js", "device/targets/es5/trusting/digest.js"],
  // Operand dtypes, exact shapes, requantization and accumulator ranges: checked by the host.
  ["shared/model-format/prepare-checks.js", "device/targets/es5/trusting/prepare-checks.js"],
  // The front-end configuration's finer checks: checked by the host.
  ["shared/features/validate-config.js", "device/targets/es5/trusting/validate-config.js"],
];

function profilePlugin(root: string): Plugin {
  const swap = new Map(DEVICE_PROFILE.map(([from, to]) => [join(root, from), join(root, to)]));
  return {
    name: "earshot-device-profile",
    setup(b) {
      b.onResolve({ filter: /^\.\.?\// }, (args) => {
        const target = resolve(args.resolveDir, args.path);
        const to = swap.get(target) ?? swap.get(`${target}.js`);
        return to === undefined ? undefined : { path: to };
      });
    },
  };
}

async function main(): Promise<void> {
  const [root, entry, out, sizes] = process.argv.slice(2);
  const r = await build({
    entryPoints: [entry],
    bundle: true,
    format: "iife",
    target: "es5",
    minify: true,
    logLevel: "warning",
    outfile: out,
    metafile: true,
    plugins: [profilePlugin(resolve(root))],
  });
  if (sizes === "--sizes") {
    const output = Object.values(r.metafile.outputs)[0];
    const rows = Object.entries(output.inputs).sort(
      (a, b) => b[1].bytesInOutput - a[1].bytesInOutput,
    );
    for (const [path, v] of rows)
      process.stdout.write(
        `${String(v.bytesInOutput).padStart(7)}  ${path.replace(`${root}/`, "")}\n`,
      );
  }
  // Every replacement must have been taken: a renamed module would silently ship in full.
  const inputs = Object.keys(r.metafile.inputs).map((p) => resolve(p));
  for (const [from, to] of DEVICE_PROFILE) {
    if (inputs.includes(resolve(root, from)) || !inputs.includes(resolve(root, to)))
      throw new Error(`device profile: ${from} was not replaced by ${to}`);
  }
}

main().catch((e) => {
  process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
