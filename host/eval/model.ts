/**
 * `earshot eval`: a model's accuracy on a subset of a dataset (or on a whole folder in the
 * test-set layout, e.g. ../shared/speech/sc-v2-test). --model is a checkpoint folder (or a
 * training run's folder) or an exported device model file; a file is scored with the device's
 * integer semantics (exported.ts), so the accuracy reported for a device file is the device's.
 *
 * host/eval sits above host/train and host/compress: it uses both, neither uses it.
 */
import { existsSync, statSync } from "node:fs";
import { evalCheckpoint } from "./checkpoint";
import { EvaluationError } from "./errors";
import { evalExportedModel } from "./exported";
import type { EvalOptions, EvalReport } from "./options";

export async function evalModel(opts: EvalOptions): Promise<EvalReport> {
  if (!existsSync(opts.model))
    throw new EvaluationError(`${opts.model}: no such model file or folder`);
  if (statSync(opts.model).isFile()) return evalExportedModel(opts.model, opts);
  if (opts.against)
    throw new EvaluationError("--against compares two exported model files; --model is a folder");
  return evalCheckpoint(opts);
}
