/** Engine entry: prints featureDump() one value per line, "%.17g" (round-trips a double). */
import { featureDump } from "./dump";

declare function print(this: void, ...args: unknown[]): void;
/** Lua's string library; engines.test.ts supplies a shim for duk. */
declare const string: { format(this: void, fmt: string, v: number): string };

const values = featureDump();
for (let i = 0; i < values.length; i++) print(string.format("%.17g", values[i]));
