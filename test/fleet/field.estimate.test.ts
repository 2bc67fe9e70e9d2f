/**
 * The host's field estimate against the simulator's truth. Two simulated devices run the real
 * device runtime on the shipped model with its threshold lowered to 0.15 (the "worse model" of a
 * rollout) over seeded noise with planted synthetic keywords; the simulator scores every
 * detection against the plants (truth). The service sees only the messages: detections with
 * their feature windows (re-scored by the verifier, the shipped model at threshold 0.3) and
 * telemetry. Stated tolerance: the FA/hour estimate within 35% of the truth's FA per hour of
 * device operation (device-hours come from message time spans, which differ from the time the
 * devices ran by up to a telemetry period), and no more detections than were sent. The truth's
 * hours are the devices' running time (audio processed plus the backlog at stop), not the audio
 * alone: on a loaded machine the simulated runtime falls behind real time, and FA per hour of
 * operation is what the field estimate measures.
 */
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateCredentials } from "../../host/fleet/broker/credentials";
import { Verifier } from "../../host/fleet/field/verifier";
import { FleetService } from "../../host/fleet/service";
import { deviceId, type SimulateResult, startSimulation } from "../../host/fleet/sim/simulate";
import { SHIPPED } from "../../host/models/shipped";
import { decodeModel } from "../../shared/model-format/decode";
import { encodeModel } from "../../shared/model-format/encode";
import { bearer, waitFor } from "./devices";
import { freePort } from "./mosquitto";

const N = 2;

describe("field FA/hour estimate vs the simulator's truth", () => {
  const ids = Array.from({ length: N }, (_, i) => deviceId("est-", i, N));
  const passwords = generateCredentials(ids);
  let service: FleetService;
  let result: SimulateResult;

  beforeAll(async () => {
    const shipped = readFileSync(SHIPPED.int8);
    const bad = Uint8Array.from(encodeModel({ ...decodeModel([...shipped]), threshold: 0.15 }));
    // The verifier at 0.3, not the shipped model's calibrated ~0.8: at that threshold it rejects
    // most planted synthetic keywords, and every rejected hit counts as a false accept, which
    // would measure the verifier's misses on TTS rather than the estimate's plumbing.
    const verifierModel = Uint8Array.from(
      encodeModel({ ...decodeModel([...shipped]), threshold: 0.3 }),
    );
    const port = await freePort();
    service = new FleetService({
      embeddedBrokerPort: port,
      httpPort: 0,
      credentials: passwords,
      deviceFleets: new Map(ids.map((id) => [id, "est"])),
      verifier: new Verifier(verifierModel, "shipped at 0.3"),
      log: () => {},
    });
    await service.start();
    const sim = startSimulation({
      url: `mqtt://127.0.0.1:${port}`,
      fleet: "est",
      devices: N,
      prefix: "est-",
      credentials: Object.fromEntries(passwords),
      model: bad,
      keywords: ["yes", "no", "up", "down"],
      everyMs: 3000,
      durationMs: 20_000,
      telemetryEveryMs: 2000,
      runtimeDevices: N,
      seed: 5,
      workers: 1,
    });
    await sim.connected;
    await new Promise((r) => setTimeout(r, 20_000));
    result = await sim.stop();
  }, 120_000);
  afterAll(async () => {
    await service?.stop();
  });

  it("estimates the false accepts per hour the simulator counted", async () => {
    const truthFa = result.runtime.falseAccepts;
    const audioHours = result.runtimeReports.reduce((a, r) => a + r.streamMs, 0) / 3_600_000;
    const runHours =
      result.runtimeReports.reduce((a, r) => a + r.streamMs + r.lagMs, 0) / 3_600_000;
    const heard = result.runtimeReports.reduce((a, r) => a + r.heard.length, 0);
    expect(truthFa).toBeGreaterThan(3); // the lowered threshold fires on noise
    const q = await waitFor(
      "every detection verified",
      async () =>
        (
          (await (
            await fetch(`${service.urls?.http}/api/quality`, bearer(service.apiToken))
          ).json()) as {
            cohorts: {
              detections: number;
              verified: number;
              device_hours: number;
              fa_per_hour_estimate: number | null;
            }[];
          }
        ).cohorts[0],
      (c) => c !== undefined && c.detections === heard && c.verified === heard,
      30_000,
    );
    const truthPerHour = truthFa / runHours;
    const est = q.fa_per_hour_estimate ?? Number.NaN;
    process.stdout.write(
      `field estimate: host ${est.toFixed(0)} FA/h over ${q.device_hours.toFixed(4)} device-h; ` +
        `truth ${truthPerHour.toFixed(0)} FA/h (${truthFa} FA, ${result.runtime.hits} hits over ` +
        `${runHours.toFixed(4)} device-h running, ${audioHours.toFixed(4)} h of audio)\n`,
    );
    expect(Math.abs(est - truthPerHour) / truthPerHour).toBeLessThan(0.35);
  });
});
