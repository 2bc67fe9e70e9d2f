import cliProgress from "cli-progress";

/**
 * A progress bar on stderr with ETA; silent when stderr is not a terminal or output is JSON,
 * unless EARSHOT_PROGRESS=1 (the demo sets it: its steps print JSON to a report file while the
 * person watching still wants the bars).
 */
export interface Progress {
  tick(n?: number, payload?: Record<string, string | number>): void;
  stop(): void;
}

export function progress(
  label: string,
  total: number,
  opts: { json?: boolean; fields?: string } = {},
): Progress {
  const enabled =
    (!opts.json || process.env.EARSHOT_PROGRESS === "1") &&
    process.stderr.isTTY === true &&
    process.env.CI !== "true";
  if (!enabled) return { tick() {}, stop() {} };
  const bar = new cliProgress.SingleBar(
    {
      stream: process.stderr,
      format: `${label} [{bar}] {value}/{total} {percentage}% | ETA {eta_formatted}${opts.fields ? ` | ${opts.fields}` : ""}`,
      etaBuffer: 50,
      hideCursor: true,
    },
    cliProgress.Presets.shades_classic,
  );
  bar.start(total, 0);
  return {
    tick(n = 1, payload) {
      bar.increment(n, payload);
    },
    stop() {
      bar.stop();
    },
  };
}
