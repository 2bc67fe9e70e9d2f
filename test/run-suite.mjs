// `npm test`: builds the device targets, then runs vitest; when a worker process dies mid-file
// (a native crash vitest can only call "Worker exited unexpectedly"), the files whose tests
// never ran are named and run once more on their own. Any failed test, or a file that dies
// twice, fails the run.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const dir = mkdtempSync(join(tmpdir(), "earshot-suite-"));
const outcomeFile = join(dir, "outcome.json");

function vitest(args) {
  rmSync(outcomeFile, { force: true });
  const r = spawnSync("npx", ["vitest", "run", ...args], {
    stdio: "inherit",
    env: { ...process.env, EARSHOT_TEST_OUTCOME: outcomeFile },
  });
  let outcome = null;
  try {
    outcome = JSON.parse(readFileSync(outcomeFile, "utf8"));
  } catch {
    // vitest stopped before the reporter ran (a config error): its exit code decides.
  }
  return { status: r.status ?? 1, outcome };
}

// Build the device targets once, before any test file: each file's beforeAll then finds them
// cached instead of building them itself beside other files' work (a cold build under that
// load ran past the 120 s hook timeout).
const build = spawnSync("npx", ["tsx", "device/tools/build.ts"], { stdio: "inherit" });
if (build.status !== 0) {
  process.stdout.write("\n*** npm run build:device failed: the suite did not run ***\n");
  process.exit(1);
}

// The native addon and the device engines are keyed by their C sources: after a change to
// them, a stale build is refused and its tests fall back (the addon's conv paths) or skip (the
// engines), loudly but without failing. Rebuild what is stale first (each is instant when fresh;
// neither is required: a machine without a compiler or ../shared/engines runs the rest).
for (const script of ["deploy/native.sh", "deploy/engines.sh"]) {
  const r = spawnSync("bash", [script], { stdio: "inherit" });
  if (r.status !== 0)
    process.stdout.write(`\n*** ${script} failed: its tests skip or fall back ***\n`);
}

const args = process.argv.slice(2);
const first = vitest(args);
let status = first.status;
if (first.outcome && first.outcome.notRun.length > 0) {
  const files = first.outcome.notRun;
  process.stdout.write(
    `\n*** A test worker died in ${files.join(", ")}: running ${files.length === 1 ? "it" : "them"} once more on ${files.length === 1 ? "its" : "their"} own ***\n`,
  );
  const again = vitest(files);
  const clean = first.outcome.failed === 0 && again.status === 0;
  status = clean ? 0 : 1;
  process.stdout.write(
    clean
      ? `\n*** ${files.join(", ")} passed when run again; the rest of the suite passed in the first run ***\n`
      : "\n*** the suite FAILED (see the failures above) ***\n",
  );
}
rmSync(dir, { recursive: true, force: true });
process.exit(status);
