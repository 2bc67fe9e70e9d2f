/**
 * The typed memory's small-array stores (device/targets/es5/native.ts `store`): a host that
 * asks for `minStoreBytes` gets no typed array with a shorter store, so Espruino keeps each in
 * one flat block its C kernels read in place; a host that does not ask gets exact stores.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { missingEngineNote, nativeEnginePath } from "../../device/engines/native-engines";
import { typedMemory } from "../../device/targets/es5/native";
import { DT_INT8, DT_INT32 } from "../../shared/model-format/types";

const storeBytes = (a: number[]) => (a as unknown as Int32Array).buffer.byteLength;

describe("typed memory stores", () => {
  it("gives arrays shorter than minStoreBytes a store that long, and longer ones their own", () => {
    const m = typedMemory({ minStoreBytes: 64 }, true);
    const small = m.constantStorage(8, DT_INT32, 32);
    expect(small.length).toBe(8);
    expect(storeBytes(small)).toBe(64);
    expect(storeBytes(m.constantStorage(3, DT_INT8, 8))).toBe(64);
    expect(storeBytes(m.constantStorage(100, DT_INT32, 32))).toBe(400);
    const scratch = m.scratch(3, true);
    expect(scratch.length).toBe(3);
    expect(storeBytes(scratch)).toBe(64);
    // The padding is not part of the array: writes stay inside its length.
    small[7] = 5;
    expect(Array.from(small)).toEqual([0, 0, 0, 0, 0, 0, 0, 5]);
  });

  it("keeps exact stores for a host that does not ask (JerryScript's heap)", () => {
    const m = typedMemory({}, true);
    expect(storeBytes(m.constantStorage(8, DT_INT32, 32))).toBe(32);
    expect(storeBytes(m.scratch(3, true))).toBe(24);
  });

  const espruino = nativeEnginePath("espruino-native");
  it.skipIf(espruino === null)("Espruino's earshot library asks for 64 bytes", () => {
    const dir = mkdtempSync(join(tmpdir(), "earshot-store-"));
    try {
      const script = join(dir, "probe.js");
      writeFileSync(script, 'print("minStoreBytes " + require("earshot").minStoreBytes);\n');
      const r = spawnSync(espruino as string, [script], { encoding: "utf8", timeout: 60_000 });
      expect(r.stdout).toMatch(/^minStoreBytes 64$/m);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
  if (espruino === null) process.stderr.write(`${missingEngineNote("espruino-native")}\n`);
});
