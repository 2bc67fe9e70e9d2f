import { writeFileSync } from "node:fs";
import type { Reporter, TestModule } from "vitest/node";
import { haveSpeech, NEEDS_SPEECH, SPEECH_DIR } from "./speech-data";

/**
 * Ends the run with the plain line CI reads: "N passed, N failed, N skipped", preceded by a loud
 * line when tests skipped because the real speech clips are absent, so a plain clone's green run
 * does not pass for a full one, and by the files whose tests never ran (a worker process that
 * died mid-file leaves its tests pending, which vitest reports only as "Worker exited
 * unexpectedly" without the file's name). Tests that never ran count as failed. With
 * `EARSHOT_TEST_OUTCOME` set, it also writes there which files never ran and how many tests
 * failed, for test/run-suite.mjs.
 */
export default class SummaryReporter implements Reporter {
  onTestRunEnd(modules: ReadonlyArray<TestModule>): void {
    let passed = 0;
    let failed = 0;
    let skipped = 0;
    const notRun = new Map<string, number>();
    const speechSkips = new Map<string, number>();
    for (const m of modules) {
      for (const t of m.children.allTests()) {
        const s = t.result().state;
        if (s === "passed") passed++;
        else if (s === "failed") failed++;
        else if (s === "pending")
          notRun.set(m.relativeModuleId, (notRun.get(m.relativeModuleId) ?? 0) + 1);
        else {
          skipped++;
          if (t.fullName.includes(NEEDS_SPEECH))
            speechSkips.set(m.relativeModuleId, (speechSkips.get(m.relativeModuleId) ?? 0) + 1);
        }
      }
      if (m.state() === "failed" && m.children.size === 0) failed++;
    }
    const nSpeech = [...speechSkips.values()].reduce((a, b) => a + b, 0);
    if (nSpeech > 0 && !haveSpeech)
      process.stdout.write(
        `\n*** ${nSpeech} tests SKIPPED: ${SPEECH_DIR} is absent (real Speech Commands clips); only the committed fixtures in test/fixtures/speech were read. Files: ${[...speechSkips.keys()].join(", ")} ***\n`,
      );
    for (const [file, n] of notRun)
      process.stdout.write(
        `\n*** ${file}: ${n} tests NEVER RAN (its worker died; see "Worker exited unexpectedly" above) ***\n`,
      );
    const outcome = process.env.EARSHOT_TEST_OUTCOME;
    if (outcome) writeFileSync(outcome, JSON.stringify({ failed, notRun: [...notRun.keys()] }));
    failed += [...notRun.values()].reduce((a, b) => a + b, 0);
    process.stdout.write(`\n${passed} passed, ${failed} failed, ${skipped} skipped\n`);
  }
}
