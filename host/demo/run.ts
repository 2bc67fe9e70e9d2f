import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { type ChildResult, runEarshot } from "../pipeline/child";
import { PipelineError } from "../pipeline/errors";
import { type DemoStep, defaultDemoConfig, demoSteps, firstClip } from "./steps";
import { demoSummary, formatSummary } from "./summary";

export interface DemoOptions {
  out: string;
  json?: boolean;
  perWord?: number;
  epochs?: number;
  stepsPerEpoch?: number;
}

/** Runs one step as a child `earshot` process (`@clip:WORD` names the corpus's first clip of WORD). */
function runStep(step: DemoStep, corpus: string): Promise<ChildResult> {
  return runEarshot(
    step.args.map((a) => (a.startsWith("@clip:") ? firstClip(corpus, a.slice(6)) : a)),
  );
}

export async function runDemo(opts: DemoOptions): Promise<void> {
  const cfg = defaultDemoConfig(resolve(opts.out));
  if (opts.perWord) cfg.perWord = opts.perWord;
  if (opts.epochs) cfg.epochs = opts.epochs;
  if (opts.stepsPerEpoch) cfg.stepsPerEpoch = opts.stepsPerEpoch;
  const corpus = join(cfg.out, "corpus");
  // The steps print JSON reports to files; the person watching still gets the progress bars.
  process.env.EARSHOT_PROGRESS ??= "1";
  const summary: { step: string; status: string; seconds?: number; report?: string }[] = [];
  for (const step of demoSteps(cfg)) {
    if (step.skip) {
      summary.push({ step: step.name, status: `skipped: ${step.skip}` });
      if (!opts.json) process.stderr.write(`-- ${step.name}: skipped (${step.skip})\n`);
      continue;
    }
    if (!opts.json) process.stderr.write(`== ${step.name}: earshot ${step.args.join(" ")}\n`);
    const r = await runStep(step, corpus);
    if (step.stdoutTo) {
      mkdirSync(dirname(step.stdoutTo), { recursive: true });
      writeFileSync(step.stdoutTo, r.stdout);
    }
    summary.push({
      step: step.name,
      status: r.ok ? "ok" : "failed",
      seconds: Math.round(r.seconds * 10) / 10,
      report: step.stdoutTo,
    });
    if (!r.ok) {
      throw new PipelineError(
        `demo step '${step.name}' failed (see the message above); earlier results are kept in ${cfg.out}`,
      );
    }
    if (!opts.json)
      process.stderr.write(`   done in ${r.seconds.toFixed(1)} s -> ${step.stdoutTo}\n`);
  }
  const table = demoSummary(cfg, join(cfg.out, "model.earshot"));
  if (opts.json)
    process.stdout.write(`${JSON.stringify({ out: cfg.out, steps: summary, ...table })}\n`);
  else {
    process.stdout.write(`\n${formatSummary(table)}\n\n`);
    process.stdout.write(
      table.shortfalls.length === 0
        ? `demo finished: every step ran and every result meets its goal; results in ${cfg.out}\n`
        : `demo finished with ${table.shortfalls.length} result(s) short of their goal (listed above); results in ${cfg.out}\n`,
    );
  }
}
