/**
 * ES5 kernel-call runner for the golden kernel tables: the Duktape host passes the call text as
 * the "model" file; the call runs on the C natives (typed arrays), or on the portable kernels
 * under plain `duk`.
 */
import { referenceKernels } from "../../../shared/kernels/reference";
import { runKernelCall } from "../../app/kernel-call";
import { KernelRegistry } from "../../runtime/intrinsics";
import { type NativeKernels, nativeProvider } from "./native";

declare const EARSHOT_INPUT: { model: number[] };
declare const EarshotNative: NativeKernels | undefined;
declare function print(s: string): void;

const registry = new KernelRegistry({ name: "portable-ts", kernels: referenceKernels });
const native = typeof EarshotNative !== "undefined";
if (native) registry.register(nativeProvider(EarshotNative as NativeKernels));
let text = "";
const bytes = EARSHOT_INPUT.model;
for (let i = 0; i < bytes.length; i += 4096) {
  const part: number[] = [];
  for (let j = i; j < i + 4096 && j < bytes.length; j++) part.push(bytes[j]);
  text += String.fromCharCode.apply(null, part);
}
print(
  runKernelCall(
    text,
    registry.kernels(),
    (values: number[], isFloat: boolean) => {
      if (!native) return values;
      const a = isFloat ? new Float64Array(values.length) : new Int32Array(values.length);
      for (let i = 0; i < values.length; i++) a[i] = values[i];
      return a as unknown as number[];
    },
    (x: number) => String(x),
  ),
);
