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
  configure?: (settings: string) => void;
};
declare function print(s: string): void;

/** One local name for the global: each use minifies to a letter (bytes count in the bundles). */
const input = EARSHOT_INPUT;

/** Whether the embedder asked for tensors in one typed arena (`memory: "typed"`). */
export function typedMemoryWanted(): boolean {
  return input.memory === "typed";
}

/** Hands the model over and drops the global's reference (the runtime frees it after load). */
function takeModel(): number[] {
  const m = input.model;
  input.model = null;
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
        input.read !== undefined
          ? input.read
          : arraySource(input.samples === undefined ? [] : input.samples),
      print,
      fmt: input.exact === true ? exactNumberText : (x: number) => String(x),
      clock: () => Date.now(),
      trace: input.trace,
      settings: input.settings || "",
    },
    registry,
    memory,
    frontEnd,
  );
  if (session === null) throw new Error("earshot: stream failed");
  // Before any audio is read: an audio source may change the settings as it goes.
  input.configure = (text: string) => session.configure(text);
  if (input.chunked === true) {
    input.feed = () => session.feed();
    input.finish = () => session.finish();
  } else {
    session.feed();
    session.finish();
  }
}
