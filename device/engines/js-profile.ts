/**
 * Where Espruino spends its time in the runtime's JS. Callgrind sees only the interpreter's C
 * functions; Espruino executes straight from the source text, so its lexer's position is the
 * JS being run. `earshot device run --engine espruino-native --js-profile FILE` runs the engine
 * under gdb, stops it every `every` tokens from the first audio read, logs the source text at
 * the token, and counts the samples per enclosing function of the bundle (a token-count
 * profile: deterministic for a given bundle and input, no timers involved).
 */

/**
 * gdb commands for the sampling run of `gdb -x SCRIPT PROGRAM` with `args` (the inferior's own
 * output is untouched: gdb logs to `log`). The arguments go on `run`, which would otherwise
 * replace gdb's `--args` with nothing but the redirection.
 */
export function gdbSamplerScript(log: string, every: number, args: string[]): string {
  for (const a of args)
    if (!/^[A-Za-z0-9_./-]+$/.test(a))
      throw new Error(`gdbSamplerScript: argument '${a}' needs quoting`);
  return [
    "set pagination off",
    "set confirm off",
    `set logging file ${log}`,
    "set logging overwrite on",
    "set logging redirect on",
    "set logging enabled on",
    // The bundle's prelude calls countFromHere at the first audio read: sample from there on.
    "break jswrap_earshot_count_from_here",
    `run ${args.join(" ")} < /dev/null`,
    "delete 1",
    "break jslGetNextToken",
    "set $buf = (char*)malloc(96)",
    // Ends when the program exits (continue then fails, and gdb stops reading this file).
    "while 1",
    `  ignore 2 ${every - 1}`,
    "  continue",
    "  if lex != 0 && lex->sourceVar != 0",
    "    call (void)memset($buf, 0, 96)",
    "    call (size_t)jsvGetStringChars(lex->sourceVar, lex->tokenStart, $buf, 80)",
    '    printf "SAMPLE %s\\n", $buf',
    "  end",
    "end",
    "",
  ].join("\n");
}

export interface JsProfileRow {
  samples: number;
  /** Offset of the function in the engine's input (prelude + bundle). */
  at: number;
  /** The function's first characters. */
  head: string;
}

export interface JsProfile {
  samples: number;
  /** Samples whose text was too short or not found in the source. */
  unmapped: number;
  rows: JsProfileRow[];
}

/** The SAMPLE lines of gdb's log. */
export function samplesOf(log: string): string[] {
  const out: string[] = [];
  for (const line of log.split("\n")) if (line.startsWith("SAMPLE ")) out.push(line.slice(7));
  return out;
}

/**
 * Counts each sample in the function whose text encloses the sample's first occurrence in
 * `source` (top-level code counts under offset 0); samples of under 12 characters (a function's
 * last tokens) or not found count as unmapped. Rows by samples, most first.
 */
export function jsProfile(source: string, samples: string[]): JsProfile {
  const starts: number[] = [0];
  const re = /function\b/g;
  for (let m = re.exec(source); m !== null; m = re.exec(source)) starts.push(m.index);
  const counts = new Map<number, number>();
  let unmapped = 0;
  for (const s of samples) {
    const key = s.slice(0, 40);
    const i = key.length >= 12 ? source.indexOf(key) : -1;
    if (i < 0) {
      unmapped++;
      continue;
    }
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid] <= i) lo = mid;
      else hi = mid - 1;
    }
    counts.set(starts[lo], (counts.get(starts[lo]) ?? 0) + 1);
  }
  const rows = [...counts.entries()]
    .map(([at, n]) => ({ samples: n, at, head: source.slice(at, at + 100).replace(/\s+/g, " ") }))
    .sort((a, b) => b.samples - a.samples || a.at - b.at);
  return { samples: samples.length, unmapped, rows };
}

export function formatJsProfile(p: JsProfile): string {
  const pct = (n: number) => `${((100 * n) / Math.max(1, p.samples)).toFixed(1)}%`.padStart(6);
  const lines = [`${p.samples} samples, ${p.unmapped} unmapped`];
  for (const r of p.rows)
    lines.push(`${String(r.samples).padStart(6)} ${pct(r.samples)}  @${r.at}  ${r.head}`);
  return `${lines.join("\n")}\n`;
}
