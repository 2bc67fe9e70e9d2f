import type { Command } from "@commander-js/extra-typings";
import { nonNegativeInt, nonNegativeNumber } from "../args";
import { group } from "../group";
import { emit } from "../output";
import {
  ackWaitOption,
  serviceOption,
  signingKeyOption,
  tokenFileOption,
} from "../service-options";

const splitIds = (s: string | undefined) =>
  s
    ?.split(",")
    .map((x) => x.trim())
    .filter(Boolean);

/** `fleet cmd` and `fleet calibrate`: signed commands from the host to running devices. */
export function register(program: Command): void {
  const fleet = group(program, "fleet", "Fleet service, broker setup and simulator");

  fleet
    .command("cmd")
    .description(
      "Send a signed command (Ed25519 with the OTA key, bound to the fleet, with a sequence number against replay) and show the devices' acks",
    )
    .requiredOption("--fleet <id>", "fleet id")
    .requiredOption(
      "--op <op>",
      "setThreshold | setSmoothing | setStride | setCapture | sendTelemetry | reboot",
    )
    .option("--devices <ids>", "comma-separated device ids (default: the whole fleet)")
    .option("--cohort <name>", "or: the devices of this cohort (e.g. canary, control)")
    .option("--threshold <x>", "setThreshold: 0..1", nonNegativeNumber("--threshold"))
    .option("--keyword <k>", "setThreshold: one keyword only")
    .option("--smoothing <n>", "setSmoothing: window in inferences", nonNegativeInt("--smoothing"))
    .option("--stride <n>", "setStride: frames between inferences", nonNegativeInt("--stride"))
    .option(
      "--capture <n>",
      "setCapture: feature windows per hour, 0: off",
      nonNegativeInt("--capture"),
    )
    .addOption(signingKeyOption())
    .addOption(ackWaitOption())
    .addOption(serviceOption())
    .addOption(tokenFileOption())
    .option("--json", "machine-readable output")
    .action(async (opts) => {
      const { UserError } = await import("../errors");
      const { COMMAND_OPS } = await import("../../../protocol/messages");
      const ops = COMMAND_OPS.filter((o) => o !== "revert");
      const op = ops.find((o) => o === opts.op);
      if (!op) throw new UserError(`--op must be one of ${ops.join(", ")} (got '${opts.op}')`);
      const need: Record<string, unknown> = {
        setThreshold: opts.threshold,
        setSmoothing: opts.smoothing,
        setStride: opts.stride,
        setCapture: opts.capture,
      };
      if (op in need && need[op] === undefined)
        throw new UserError(`--op ${op} needs its value (--${op.slice(3).toLowerCase()})`);
      const { clientApiToken } = await import("../../fleet/api-token");
      const { signedCommandHex, sendCommand } = await import("../../fleet/commands/client");
      const token = clientApiToken(opts.apiTokenFile);
      const { hex, cmdId } = signedCommandHex(
        {
          op,
          threshold: opts.threshold,
          keyword: opts.keyword,
          smoothing: opts.smoothing,
          strideFrames: opts.stride,
          capture: opts.capture,
        },
        opts.fleet,
        opts.key,
      );
      let devices = splitIds(opts.devices);
      if (opts.cohort) {
        if (devices) throw new UserError("give --devices or --cohort, not both");
        const { callService } = await import("../../ota/publish");
        const all = (await callService(
          opts.service,
          token,
          `/api/devices?fleet=${encodeURIComponent(opts.fleet)}`,
        )) as { deviceId: string; cohort: string }[];
        devices = all.filter((d) => d.cohort === opts.cohort).map((d) => d.deviceId);
        if (devices.length === 0)
          throw new UserError(`fleet ${opts.fleet} has no device in cohort ${opts.cohort}`);
      }
      const r = await sendCommand(
        { service: opts.service, token },
        opts.fleet,
        devices,
        hex,
        cmdId,
        opts.wait * 1000,
      );
      emit(opts, r, (x) =>
        [
          `command ${x.cmdId} (${op}) sent on ${x.topics.length} topic(s)`,
          ...x.acks.map((a) => `  ${a.device}: ${a.ok ? "ok" : `refused: ${a.error}`}`),
        ].join("\n"),
      );
    });

  fleet
    .command("calibrate")
    .description(
      "Compute thresholds from field score distributions for a target FA/hour and send them as signed setThreshold commands",
    )
    .requiredOption("--fleet <id>", "fleet id")
    .option("--device <id>", "one device")
    .option("--cohort <name>", "one cohort (e.g. canary, control)")
    .requiredOption(
      "--target-fa-per-hour <x>",
      "estimated false accepts per device-hour to reach",
      nonNegativeNumber("--target-fa-per-hour"),
    )
    .option(
      "--current <x>",
      "the running threshold (default: the lowest detection score seen, a lower bound of it)",
      nonNegativeNumber("--current"),
    )
    .option("--per-device", "one threshold per device (default: one for all chosen devices)")
    .option("--dry-run", "compute and print, send nothing")
    .addOption(signingKeyOption())
    .addOption(ackWaitOption())
    .addOption(serviceOption())
    .addOption(tokenFileOption())
    .option("--json", "machine-readable output")
    .action(async (opts) => {
      const { UserError } = await import("../errors");
      const { clientApiToken } = await import("../../fleet/api-token");
      const { callService } = await import("../../ota/publish");
      const { chooseThreshold } = await import("../../fleet/field/calibrate");
      const { signedCommandHex, sendCommand } = await import("../../fleet/commands/client");
      if (opts.device && opts.cohort) throw new UserError("give --device or --cohort, not both");
      const token = clientApiToken(opts.apiTokenFile);
      const q = new URLSearchParams({ fleet: opts.fleet });
      if (opts.device) q.set("device", opts.device);
      if (opts.cohort) q.set("cohort", opts.cohort);
      const data = (await callService(
        opts.service,
        token,
        `/api/field/calibration?${q}`,
      )) as import("../../fleet/field/calibrate").CalibrationData;
      if (data.devices.length === 0)
        throw new UserError(`no device of fleet ${opts.fleet} matches (or none has reported yet)`);
      const groups = opts.perDevice
        ? data.devices.map((d) => [d.device])
        : [data.devices.map((d) => d.device)];
      const results = [];
      for (const ids of groups) {
        const scores = data.scores.filter((s) => ids.includes(s.device));
        const hours = data.devices
          .filter((d) => ids.includes(d.device))
          .reduce((a, d) => a + d.hours, 0);
        const current =
          opts.current ?? (scores.length > 0 ? Math.min(...scores.map((s) => s.score)) : 0.5);
        const choice = chooseThreshold(scores, hours, current, opts.targetFaPerHour);
        let acks: { device: string; ok: boolean; error: string | null }[] = [];
        if (!opts.dryRun && choice.threshold !== current) {
          const { hex, cmdId } = signedCommandHex(
            { op: "setThreshold", threshold: choice.threshold },
            opts.fleet,
            opts.key,
          );
          acks = (
            await sendCommand(
              { service: opts.service, token },
              opts.fleet,
              ids,
              hex,
              cmdId,
              opts.wait * 1000,
            )
          ).acks;
        }
        results.push({ devices: ids, current, ...choice, sent: acks.length > 0, acks });
      }
      emit(opts, { target: opts.targetFaPerHour, results }, (x) =>
        x.results
          .map(
            (r) =>
              `${r.devices.length === 1 ? r.devices[0] : `${r.devices.length} devices`}: threshold ${r.current.toFixed(3)} -> ${r.threshold.toFixed(3)} ` +
              `(FA/hour estimate ${r.faPerHourBefore.toFixed(2)} -> ${r.faPerHour.toFixed(2)} over ${r.deviceHours.toFixed(3)} device-hours, ${r.detections} detections)` +
              (r.sent
                ? `; acks: ${r.acks.filter((a) => a.ok).length} ok, ${r.acks.filter((a) => !a.ok).length} refused`
                : ""),
          )
          .join("\n"),
      );
    });
}
