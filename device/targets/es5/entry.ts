/**
 * ES5 entry (duk, and the Duktape host that embeds libduktape). The embedder defines
 * EARSHOT_INPUT = { model, samples, trace } before this bundle runs. The Duktape host also
 * defines EarshotNative (C kernels over typed arrays); when present it is registered for the
 * ops it implements and tensors live in a typed arena the C code reads in place.
 */
import { referenceKernels } from "../../../shared/kernels/reference";
import { runStream } from "../../app/run-stream";
import type { FrontEndIntrinsic } from "../../runtime/frontend-intrinsic";
import { KernelRegistry } from "../../runtime/intrinsics";
import { plainMemory, type TensorMemory } from "../../runtime/memory";
import { type NativeKernels, nativeFrontEnd, nativeProvider, typedMemory } from "./native";

declare const EARSHOT_INPUT: {
  model: number[];
  samples: number[];
  trace: boolean;
  settings?: string;
};
declare const EarshotNative: NativeKernels | undefined;
declare function print(s: string): void;

const registry = new KernelRegistry({ name: "portable-ts", kernels: referenceKernels });
let memory: TensorMemory = plainMemory;
let frontEnd: FrontEndIntrinsic | null = null;
if (typeof EarshotNative !== "undefined") {
  registry.register(nativeProvider(EarshotNative));
  memory = typedMemory(EarshotNative);
  frontEnd = nativeFrontEnd(EarshotNative);
}
const rc = runStream(
  {
    modelBytes: EARSHOT_INPUT.model,
    samples: EARSHOT_INPUT.samples,
    print,
    fmt: (x: number) => String(x),
    clock: () => Date.now(),
    trace: EARSHOT_INPUT.trace,
    settings: EARSHOT_INPUT.settings === undefined ? "" : EARSHOT_INPUT.settings,
  },
  registry,
  memory,
  frontEnd,
);
if (rc !== 0) throw new Error("earshot: stream failed");
