/**
 * The device bundles' bundling step (run by device/tools/build.ts as a child process: esbuild
 * plugins need its async API). Bundles the tsc output of the ES5 entry as the ES5 bundle does,
 * but resolves each module a device profile (tools/device-profiles.ts) swaps to its variant:
 * the trusting ones (what a device need not run because the host validated the model in full
 * and the transport verified its bytes) and the refusal standing in for the front end the
 * bundle does not carry.
 *
 *   tsx device/tools/bundle-device.ts TSC_OUT_DIR ENTRY.js OUT.js [mfcc|tflm-micro] [--sizes]
 *
 * The front end defaults to mfcc (earshot-device.js). --sizes prints the bytes each module takes
 * in the minified bundle, largest first. Fails when a swap was not taken or a module the profile
 * cuts off is still in the bundle (a renamed module would otherwise ship in full, silently).
 */
import { rmSync } from "node:fs";
import { join, resolve } from "node:path";
import { build, type Plugin } from "esbuild";
import { type BundleFrontEnd, DEVICE_PROFILES, type Swap } from "./device-profiles";

function profilePlugin(root: string, swaps: Swap[]): Plugin {
  const swap = new Map(swaps.map(([from, to]) => [join(root, from), join(root, to)]));
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
  const [root, entry, out, ...rest] = process.argv.slice(2);
  const named = rest.filter((a) => a !== "--sizes");
  const frontEnd = (named[0] ?? "mfcc") as BundleFrontEnd;
  if (!Object.hasOwn(DEVICE_PROFILES, frontEnd) || named.length > 1)
    throw new Error(`bundle-device: front end ${named.join(" ")}: expected mfcc or tflm-micro`);
  const profile = DEVICE_PROFILES[frontEnd];
  const r = await build({
    entryPoints: [entry],
    bundle: true,
    format: "iife",
    target: "es5",
    minify: true,
    logLevel: "warning",
    outfile: out,
    metafile: true,
    plugins: [profilePlugin(resolve(root), profile.swaps)],
  });
  if (rest.includes("--sizes")) {
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
  const problems: string[] = [];
  for (const [from, to] of profile.swaps) {
    if (inputs.includes(resolve(root, from)) || !inputs.includes(resolve(root, to)))
      problems.push(`${from} was not replaced by ${to}`);
  }
  // What ships: modules with code in the output (a module whose exports all went unused adds none).
  const shipped = Object.entries(Object.values(r.metafile.outputs)[0].inputs)
    .filter(([, v]) => v.bytesInOutput > 0)
    .map(([p]) => resolve(p));
  for (const prefix of profile.absent) {
    const at = resolve(root, prefix);
    for (const p of shipped) if (p.startsWith(at)) problems.push(`${p} is in the bundle`);
  }
  if (problems.length > 0) {
    rmSync(out, { force: true });
    throw new Error(`device profile (${frontEnd}): ${problems.join("; ")}`);
  }
}

main().catch((e) => {
  process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
