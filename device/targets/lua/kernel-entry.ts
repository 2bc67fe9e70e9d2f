/**
 * Lua kernel-call runner for the golden kernel tables: `lua5.3 earshot-kernels.lua CALL_FILE`
 * runs one call on the Lua translation of the portable kernels (with int.lua).
 */
import { referenceKernels } from "../../../shared/kernels/reference";
import { runKernelCall } from "../../app/kernel-call";
import { argument, fmt, printLine, readText } from "./lua-io";

printLine(
  runKernelCall(readText(argument(0)), referenceKernels, (values: number[]) => values, fmt),
);
