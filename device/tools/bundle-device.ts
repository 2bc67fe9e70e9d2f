/**
 * The device bundles' bundling step (run by device/tools/build.ts as a child process: esbuild
 * plugins need its async API). Bundles the tsc output of the ES5 entry as the ES5 bundle does,
 * but resolves each module a device profile (tools/device-profiles.ts) swaps to its variant:
 * the trusting ones (what a device need not run because the host validated the model in full
 * and the transport verified its bytes) and the refusal standing in for the front end the
 * bundle does not carry.
 *
 *   tsx device/tools/bundle-device.ts TSC_OUT_DIR OUT.js [mfcc|tflm-micro|native] [--sizes]
 *
 * The profile (tools/device-profiles.ts) defaults to mfcc (earshot-device.js); it names the
 * entry too (mfcc: js-entry.js, no native path; native: native-entry.js, no JS kernels). --sizes prints the bytes each module takes
 * in the minified bundle, largest first. Fails when a swap was not taken or a module the profile
 * cuts off is still in the bundle (a renamed module would otherwise ship in full, silently).
 *
 * Property names the bundle alone uses are renamed (esbuild mangleProps over the names
 * tools/mangle-names.ts derives from the sources); the build fails if esbuild renamed one that
 * plan keeps. Each profile has its own plan: only a bundle whose entry takes natives keeps the
 * names the C hosts read. --no-mangle keeps every name (the build's behaviour check compares
 * the two).
 */
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { build, type Plugin } from "esbuild";
import { DEVICE_DIR, DEVICE_MESSAGES_FILE } from "../engines/paths";
import { behaviourCases, behaviourProblems } from "./bundle-behaviour";
import { DEVICE_PROFILES, type DeviceProfileName, NOOP_CALLS, type Swap } from "./device-profiles";
import { DEVICE_EXTENDS, dropNoopCalls, noopChecks, shrinkEs5, splitExtends } from "./es5-shrink";
import { deviceManglePlan, manglePattern, renamedReserved } from "./mangle-names";
import { codeMessages, messageDictionary } from "./message-codes";

const REPO = join(DEVICE_DIR, "..");

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

const EXTENDS_MODULE = "earshot:extends";

/**
 * Every module through tools/es5-shrink.ts, and one `__extends` for the bundle (DEVICE_EXTENDS:
 * TypeScript's helper cut to what the runtime's classes use), served as a module of its own to
 * those that had a copy of TypeScript's. Where the
 * profile swaps in the trusting checks, calls of the ones that do nothing go (NOOP_CALLS).
 * Error messages' literal pieces become tokens of `messages` (tools/message-codes.ts).
 */
function shrinkPlugin(root: string, swaps: Swap[], messages: string[]): Plugin {
  // Whether a module had TypeScript's helper (the one served is DEVICE_EXTENDS).
  let sawHelper = false;
  const trusting = swaps.some(([, to]) => to === NOOP_CALLS.checks);
  const noop = trusting ? noopChecks(readFileSync(join(root, NOOP_CALLS.checks), "utf8")) : null;
  const noopModule = resolve(root, NOOP_CALLS.module);
  return {
    name: "earshot-es5-shrink",
    setup(b) {
      b.onResolve({ filter: /^earshot:extends$/ }, () => ({ path: "extends", namespace: "es5" }));
      b.onLoad({ filter: /.*/, namespace: "es5" }, () =>
        !sawHelper
          ? { errors: [{ text: "no module carried TypeScript's __extends helper" }] }
          : { contents: `${DEVICE_EXTENDS}export { __extends };\n`, loader: "js" },
      );
      b.onLoad({ filter: /\.js$/ }, (args) => {
        if (!resolve(args.path).startsWith(resolve(root))) return undefined;
        const split = splitExtends(readFileSync(args.path, "utf8"), EXTENDS_MODULE);
        if (split.helper !== null) sawHelper = true;
        const js =
          noop !== null && resolve(args.path) === noopModule
            ? dropNoopCalls(split.js, NOOP_CALLS.receiver, noop)
            : split.js;
        return {
          contents: codeMessages(shrinkEs5(js, args.path), messages, args.path),
          loader: "js",
        };
      });
    },
  };
}

async function main(): Promise<void> {
  const [root, out, ...rest] = process.argv.slice(2);
  const named = rest.filter((a) => a !== "--sizes" && a !== "--no-mangle");
  const name = (named[0] ?? "mfcc") as DeviceProfileName;
  if (!Object.hasOwn(DEVICE_PROFILES, name) || named.length > 1)
    throw new Error(
      `bundle-device: profile ${named.join(" ")}: expected ${Object.keys(DEVICE_PROFILES).join(", ")}`,
    );
  const plan = rest.includes("--no-mangle") ? null : deviceManglePlan(name);
  const profile = DEVICE_PROFILES[name];
  const entry = join(root, "device/targets/es5", `${profile.entry}.js`);
  // One dictionary for every device bundle (made from all of the tsc output, so each bundle's
  // build writes the same file).
  const messages = messageDictionary(root);
  writeFileSync(join(dirname(out), DEVICE_MESSAGES_FILE), `${JSON.stringify(messages, null, 1)}\n`);
  const options = {
    entryPoints: [entry],
    bundle: true,
    format: "iife" as const,
    target: "es5",
    minify: true,
    logLevel: "warning" as const,
    outfile: out,
    metafile: true,
    plugins: [
      profilePlugin(resolve(root), profile.swaps),
      shrinkPlugin(root, profile.swaps, messages),
    ],
  };
  const r = await build({
    ...options,
    metafile: true as const,
    ...(plan === null
      ? {}
      : { mangleProps: manglePattern(plan.mangle), reserveProps: /^__.*__$/, mangleCache: {} }),
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
  // esbuild renames only what the pattern matches; a reserved name renamed would break a host.
  if (plan !== null) problems.push(...renamedReserved(r.mangleCache ?? {}, plan));
  // Renaming must not change behaviour: the same bundle with every name kept prints the same.
  if (plan !== null && problems.length === 0) {
    const kept = await build({ ...options, write: false });
    problems.push(
      ...behaviourProblems(
        readFileSync(out, "utf8"),
        kept.outputFiles[0].text,
        behaviourCases(name, REPO),
        profile.entry === "native-entry",
      ),
    );
  }
  if (problems.length > 0) {
    rmSync(out, { force: true });
    throw new Error(`device profile (${name}): ${problems.join("; ")}`);
  }
}

main().catch((e) => {
  process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
