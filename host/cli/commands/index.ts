import type { Command } from "@commander-js/extra-typings";
import * as calibrate from "./calibrate";
import * as compareQuant from "./compare-quant";
import * as dataStats from "./data-stats";
import * as dataSynth from "./data-synth";
import * as demo from "./demo";
import * as device from "./device";
import * as doctor from "./doctor";
import * as ensemble from "./ensemble";
import * as evaluate from "./eval";
import * as exportModel from "./export";
import * as features from "./features";
import * as field from "./field";
import * as fleet from "./fleet";
import * as fleetControl from "./fleet-control";
import * as importModel from "./import";
import * as inspect from "./inspect";
import * as keywords from "./keywords";
import * as model from "./model";
import * as ota from "./ota";
import * as pareto from "./pareto";
import * as prune from "./prune";
import * as quantize from "./quantize";
import * as recipe from "./recipe";
import * as search from "./search";
import * as stream from "./stream";
import * as teacher from "./teacher";
import * as train from "./train";

/** Every command module registers itself here; each owns one file under commands/. */
export function registerCommands(program: Command): void {
  for (const mod of [
    demo,
    doctor,
    dataSynth,
    dataStats,
    features,
    train,
    recipe,
    keywords,
    evaluate,
    quantize,
    compareQuant,
    prune,
    search,
    pareto,
    ensemble,
    exportModel,
    importModel,
    teacher,
    inspect,
    model,
    device,
    stream,
    calibrate,
    fleet,
    fleetControl,
    field,
    ota,
  ]) {
    mod.register(program);
  }
}
