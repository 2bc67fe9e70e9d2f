/** How a command writes its result: JSON for machines (`--json`), text for people. */
export interface OutputOptions {
  json?: boolean;
}

/** Writes one JSON document on stdout: the whole machine-readable result of a command. */
export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value)}\n`);
}

/** Writes a result either as JSON or via a human formatter. */
export function emit<T>(opts: OutputOptions, value: T, human: (v: T) => string): void {
  if (opts.json) printJson(value);
  else process.stdout.write(`${human(value)}\n`);
}

/** A status line for people on stderr (only on a terminal, never with --json), e.g. before a long run. */
export function notice(opts: OutputOptions, line: string): void {
  if (!opts.json && process.stderr.isTTY === true) process.stderr.write(`${line}\n`);
}
