/**
 * Lua entry: `lua5.3 earshot.lua MODEL SAMPLES_S16 [1 = trace] [SETTINGS]`. Pure Lua kernels: the portable
 * TS reference translated by typescript-to-lua, with shared/portable/int.ts replaced by
 * ./int.lua (32-bit semantics on Lua 5.3's 64-bit integers).
 */
import { referenceKernels } from "../../../shared/kernels/reference";
import { arraySource, runStream } from "../../app/run-stream";
import { KernelRegistry } from "../../runtime/intrinsics";
import { plainMemory } from "../../runtime/memory";
import { argument, clock, exit, fmt, printLine, readBytes, readInt16 } from "./lua-io";

const registry = new KernelRegistry({ name: "portable-lua", kernels: referenceKernels });
const rc = runStream(
  {
    modelBytes: readBytes(argument(0)),
    readSamples: arraySource(readInt16(argument(1))),
    print: printLine,
    fmt,
    clock,
    trace: argument(2) === "1",
    settings: argument(3),
  },
  registry,
  plainMemory,
);
if (rc !== 0) exit(rc);
