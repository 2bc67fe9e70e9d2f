/**
 * A kws12 working folder continues only the network it was started with. The training step's
 * config.json (written when it starts) names the network; a rerun asking for another one is
 * refused before any step runs. Without this check the rerun would reach `train`, whose refusal
 * ("a different configuration") names neither network nor the flag that would continue the run.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { PipelineError } from "./errors";
import { KWS12_MODELS, type Kws12Options, type Kws12Variant, trainedModel } from "./kws12";

/** The network `<out>/float` was started with, or null when no run is there. */
export function startedModel(out: string): string | null {
  const path = join(out, "float", "config.json");
  if (!existsSync(path)) return null;
  let model: unknown;
  try {
    model = (JSON.parse(readFileSync(path, "utf8")) as { model?: unknown }).model;
  } catch (e) {
    throw new PipelineError(`${path}: not a training config (${(e as Error).message})`, "resume");
  }
  if (typeof model !== "string")
    throw new PipelineError(`${path}: names no model; use another --out`, "resume");
  return model;
}

/** Throws when `o.out` holds a run of another network than the one `o` trains. */
export function checkResumable(o: Pick<Kws12Options, "out" | "variant" | "model">): void {
  const had = startedModel(o.out);
  const want = trainedModel(o);
  if (had === null || had === want) return;
  throw new PipelineError(
    `${o.out} holds a ${had} run, not ${want}: ${continueHint(had, o.variant)}use another --out`,
    "resume",
  );
}

/** The flags that continue a folder's run of `had`: res8-bin is the binary variant, the others --model. */
function continueHint(had: string, variant: Kws12Variant): string {
  if (had === "res8-bin") return "rerun with --variant binary to continue it, or ";
  if (!(KWS12_MODELS as readonly string[]).includes(had)) return "";
  const flags = variant === "binary" ? `an 8-bit --variant and --model ${had}` : `--model ${had}`;
  return `rerun with ${flags} to continue it, or `;
}
