/**
 * The embedder's side of both ES5 entries (entry.ts with the JS kernels, native-entry.ts without):
 * reads EARSHOT_INPUT (its fields are described in entry.ts) and streams it through a kernel
 * registry, tensor memory and front end the entry chose.
 */
import { arraySource, exactNumberText, startStream } from "../../app/run-stream";
import type { FrontEndIntrinsic } from "../../runtime/frontend-intrinsic";
import type { KernelRegistry } from "../../runtime/intrinsics";
import type { TensorMemory } from "../../runtime/memory";

declare const EARSHOT_INPUT: {
  model: number[] | null;
  samples?: number[];
  read?: (dst: number[], max: number) => number;
  memory?: string;
  exact?: boolean;
  trace: boolean;
  settings?: string;
  chunked?: boolean;
  feed?: () => void;
  finish?: () => void;
};
declare function print(s: string): void;

/** Whether the embedder asked for tensors in one typed arena (`memory: "typed"`). */
export function typedMemoryWanted(): boolean {
  return EARSHOT_INPUT.memory === "typed";
}

/** Hands the model over and drops the global's reference (the runtime frees it after load). */
function takeModel(): number[] {
  const m = EARSHOT_INPUT.model;
  EARSHOT_INPUT.model = null;
  if (m === null) throw new Error("earshot: EARSHOT_INPUT.model is missing");
  return m;
}

/** Refuses the run the way a failed load does: an X line, then a throw. */
export function refuse(message: string): never {
  print(`X ${message}`);
  throw new Error(`earshot: ${message}`);
}

export function runInput(
  registry: KernelRegistry,
  memory: TensorMemory,
  frontEnd: FrontEndIntrinsic | null,
): void {
  const session = startStream(
    {
      modelBytes: takeModel(),
      readSamples:
        EARSHOT_INPUT.read !== undefined
          ? EARSHOT_INPUT.read
          : arraySource(EARSHOT_INPUT.samples === undefined ? [] : EARSHOT_INPUT.samples),
      print,
      fmt: EARSHOT_INPUT.exact === true ? exactNumberText : (x: number) => String(x),
      clock: () => Date.now(),
      trace: EARSHOT_INPUT.trace,
      settings: EARSHOT_INPUT.settings === undefined ? "" : EARSHOT_INPUT.settings,
    },
    registry,
    memory,
    frontEnd,
  );
  if (session === null) throw new Error("earshot: stream failed");
  if (EARSHOT_INPUT.chunked === true) {
    EARSHOT_INPUT.feed = () => session.feed();
    EARSHOT_INPUT.finish = () => session.finish();
  } else {
    session.feed();
    session.finish();
  }
}
