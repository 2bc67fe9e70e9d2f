/**
 * ES5 entry of earshot-device.js, the MFCC / LFBE device bundle for engines without natives
 * (espruino, espruino-budget, jerryscript; jerryscript-native and wasm3 with their natives off):
 * the JS kernels only. Without entry.ts's native path, nothing but EARSHOT_INPUT crosses to the
 * host, so the natives' argument fields and the front-end tables are renamed like any other
 * runtime name (tools/mangle-names.ts). Hosts that bind natives run earshot-device-native.js
 * (engines/device-bundle.ts). Input as entry.ts.
 */
import { referenceKernels } from "../../../shared/kernels/reference";
import { KernelRegistry } from "../../runtime/intrinsics";
import { plainMemory } from "../../runtime/memory";
import { runInput, typedMemoryWanted } from "./input";
import { typedMemory } from "./native";

runInput(
  new KernelRegistry({ name: "portable-ts", kernels: referenceKernels }),
  typedMemoryWanted() ? typedMemory({}, true) : plainMemory,
  null,
);
