/**
 * ES5 entry (duk, the Duktape host, Espruino, JerryScript). The embedder defines EARSHOT_INPUT
 * before this bundle runs:
 *   model     the model file's bytes: a Uint8Array (Espruino: E.toArrayBuffer over the file's
 *             string, no copy) or a plain array (duk)
 *   read      the audio source, read(dst, max) -> n int16 samples (device engines: small chunks
 *             from a file or a string, never one array of all samples); or
 *   samples   all samples at once (duk, the Duktape host: host-side engines only)
 *   chunked   true: the bundle only loads the model and sets EARSHOT_INPUT.feed() (pulls what
 *             `read` has now, until it returns 0) and EARSHOT_INPUT.finish() (the telemetry
 *             line); the embedder calls feed each time its audio driver filled a chunk, so no
 *             script ever holds more than one chunk of audio (JerryScript's command line)
 *   The bundle sets EARSHOT_INPUT.configure(settings) once the model is loaded, before it reads
 *   audio: new detector settings mid-stream in the `settings` text's format (a signed
 *   setThreshold command, an OTA manifest's defaults); it throws on a bad value, changing nothing.
 *   memory    "typed": tensors in one typed arena, constants at their stored width (engines
 *             with typed arrays and a small heap); default plain arrays
 *   exact     print non-integers as their bit pattern (w<hi>:<lo>): for engines whose number to
 *             string conversion does not round-trip (Espruino prints 12 digits)
 *   trace, settings   as device/app/run-stream.ts
 * The Duktape host also defines EarshotNative (C kernels over typed arrays); when present it is
 * registered for the ops it implements and tensors live in a typed arena the C code reads in place.
 * This entry serves the duk bundle and earshot-device-tflm.js; the MFCC device bundles have their
 * own: js-entry.ts (JS kernels only) and native-entry.ts (natives only).
 */
import { referenceKernels } from "../../../shared/kernels/reference";
import type { FrontEndIntrinsic } from "../../runtime/frontend-intrinsic";
import { KernelRegistry } from "../../runtime/intrinsics";
import { plainMemory, type TensorMemory } from "../../runtime/memory";
import { runInput, typedMemoryWanted } from "./input";
import { type NativeKernels, nativeFrontEnd, nativeProvider, typedMemory } from "./native";

declare const EarshotNative: NativeKernels | undefined;

const registry = new KernelRegistry({ name: "portable-ts", kernels: referenceKernels });
let memory: TensorMemory = plainMemory;
let frontEnd: FrontEndIntrinsic | null = null;
if (typeof EarshotNative !== "undefined") {
  registry.register(nativeProvider(EarshotNative));
  // A host that widens narrow constants (and narrows its results) keeps them at their stored
  // width (heap-capped engines).
  memory = typedMemory(
    EarshotNative,
    EarshotNative.narrowConstants === true,
    EarshotNative.narrowActivations === true,
  );
  frontEnd = nativeFrontEnd(EarshotNative);
} else if (typedMemoryWanted()) {
  memory = typedMemory({}, true);
}
runInput(registry, memory, frontEnd);
