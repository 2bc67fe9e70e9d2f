/**
 * ES5 entry of the native hosts' device bundle (earshot-device-native.js): espruino-native,
 * jerryscript-native and wasm3 bind every kernel as a native (`EarshotNative`, C or wasm), so
 * this bundle carries no JS kernel (tools/bundle-device.ts fails the build if one ships). The
 * natives are the registry's base: a host lacking one is refused by name. Nor a JS front end: the
 * host builds the MFCC / LFBE tables and computes the frames (frontEndInit, frontEndFrame). Input
 * as entry.ts.
 */
import { KernelRegistry } from "../../runtime/intrinsics";
import { refuse, runInput } from "./input";
import { type NativeKernels, nativeFrontEnd, nativeProvider, typedMemory } from "./native";

declare const EarshotNative: NativeKernels | undefined;

if (typeof EarshotNative === "undefined")
  refuse(
    "earshot-device-native.js has no JS kernels and this host binds none (EarshotNative): run earshot-device.js",
  );
const native = EarshotNative as NativeKernels;
const frontEnd = nativeFrontEnd(native);
// The bundle has no JS front end (targets/es5/native-front-end/): the host computes the frames.
if (frontEnd === null)
  refuse(
    "earshot-device-native.js has no JS front end and this host binds none (frontEndInit, frontEndFrame): run earshot-device.js",
  );
let registry: KernelRegistry;
try {
  registry = new KernelRegistry(nativeProvider(native));
} catch (e) {
  refuse((e as Error).message);
}
runInput(
  registry,
  typedMemory(native, native.narrowConstants === true, native.narrowActivations === true),
  frontEnd,
);
