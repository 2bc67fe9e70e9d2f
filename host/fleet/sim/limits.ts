/** Open-file limit check: every simulated device holds a socket. */
import { readFileSync } from "node:fs";
import { FleetError } from "../errors";

/** Soft RLIMIT_NOFILE of this process (Linux /proc), or undefined when unknown. */
export function openFileLimit(): number | undefined {
  try {
    const m = /Max open files\s+(\d+)/.exec(readFileSync("/proc/self/limits", "utf8"));
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

export function checkOpenFiles(sockets: number): void {
  const limit = openFileLimit();
  if (limit !== undefined && sockets + 200 > limit) {
    throw new FleetError(
      `${sockets} connections need more than the open-file limit ${limit}: run \`ulimit -n ${sockets + 1024}\` first`,
    );
  }
}
