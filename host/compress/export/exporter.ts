/**
 * Walks a trained tfjs model's functional graph in topological order and hands each layer not
 * already fused into another's op to its handler (handlers.ts); ends with the integer softmax.
 */
import type * as tf from "@tensorflow/tfjs";
import type { DeviceModel } from "../../../shared/model-format/types";
import { CompressError } from "../errors";
import { softmaxLut } from "../quant-params";
import { ExportContext, type ExportOptions } from "./context";
import { LAYER_HANDLERS } from "./handlers";
import { cls, type L } from "./layers";

export class Exporter {
  private readonly ctx: ExportContext;

  constructor(
    private readonly model: tf.LayersModel,
    private readonly opts: ExportOptions,
  ) {
    this.ctx = new ExportContext(model, opts);
  }

  run(): DeviceModel {
    const ctx = this.ctx;
    for (const l of this.model.layers) {
      if (ctx.done.has(l.name)) continue;
      ctx.done.add(l.name);
      const handler = LAYER_HANDLERS[cls(l)];
      if (!handler)
        throw new CompressError(
          `cannot export layer ${l.name} (${cls(l)}) here: no device op for it`,
        );
      handler(ctx, l);
    }
    const outLayer = this.model.outputs[0].sourceLayer as L;
    const logits = ctx.acts.get(outLayer.name);
    if (!logits) throw new Error(`output ${outLayer.name} was not exported`);
    const out = ctx.g.softmax(logits, softmaxLut(logits.scale));
    return ctx.g.build(
      {
        modelId: this.opts.modelId ?? this.model.name,
        modelVersion: this.opts.modelVersion ?? 1,
        labels: this.opts.labels,
        frontEnd: this.opts.frontEnd,
        threshold: this.opts.threshold,
        smoothingWindow: this.opts.smoothingWindow,
        meta: this.opts.meta,
      },
      out,
    );
  }

  /**
   * After run(): the activation tensor each exported layer's output became, with its known
   * per-channel error (exported - tfjs, real units; null when none). Layers fused into another
   * op map to that op's output; a BN folded forward into a dense is left out. For diagnostics
   * and tests.
   */
  activationMap(): { layer: string; tensor: number; offset: number[] | null }[] {
    const ctx = this.ctx;
    const own = [...ctx.acts].filter(([layer]) => !ctx.pendingAffine.has(layer));
    return own.map(([layer, a]) => ({
      layer,
      tensor: a.index,
      offset: ctx.offsets.get(a.index) ?? null,
    }));
  }
}
