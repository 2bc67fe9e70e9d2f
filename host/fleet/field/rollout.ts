/**
 * Staged rollouts: a signed model goes to a canary cohort first; its field figures (quality.ts)
 * are compared with the control cohort's and the limit; then the model is promoted to the whole
 * fleet, or the canary is rolled back to its previous model (the A/B slot it left) with the
 * revert command the CLI signed when it started the rollout.
 *
 * States: canary -> promoted | rolled-back. Everything lives in the store (rollouts table), and
 * the manager re-reads it on every evaluation, so a restarted service resumes a rollout where it
 * was. Decisions:
 *   - every canary device reported a failed activation: rolled-back (nothing runs the model)
 *   - canary device-hours on the new version >= min: FA/hour estimate > max: rolled-back,
 *     else promoted. Detections not yet verified hold the decision back (never guessed).
 */
import { createHash, type KeyObject } from "node:crypto";
import type { MqttClient } from "mqtt";
import { z } from "zod";
import { encodeForTopic } from "../../../protocol/host";
import type { Command } from "../../../protocol/messages";
import { chunkCount } from "../../../protocol/ota/artifact";
import { deviceTopic, fleetTopic } from "../../../protocol/topics";
import type { OtaService } from "../../ota/service";
import { type CommandRelay, checkSignedCommand } from "../commands/relay";
import { FleetError } from "../errors";
import { parseBody } from "../request-body";
import type { SqlDriver } from "../store/driver";
import type { Store } from "../store/types";
import { type CohortFigures, cohortFigures, modelKey } from "./quality";

export type RolloutState = "canary" | "promoted" | "rolled-back";

export const RolloutRequest = z.object({
  /** The signed artifact, as POST /api/ota/publish takes it (without devices). */
  publish: z.object({}).passthrough(),
  canaryFraction: z.number().gt(0).lte(1),
  maxFaPerHour: z.number().min(0),
  minDeviceHours: z.number().min(0),
  /** The signed revert command (hex) sent to the canary on rollback. */
  revert: z.string().regex(/^([0-9a-f]{2})+$/, "hex"),
});

export interface RolloutRow {
  id: number;
  fleet: string;
  modelId: string;
  version: number;
  state: RolloutState;
  reason: string;
  canary: string[];
  control: string[];
  maxFaPerHour: number;
  minDeviceHours: number;
  figures: { canary?: CohortFigures; control?: CohortFigures; failed?: Record<string, number> };
  deploymentId: number | null;
  createdAt: string;
  decidedAt: string | null;
}

const bad = (msg: string) => new FleetError(msg);
const FAILED = new Set(["badSignature", "badManifest", "runtimeTooOld", "tooLarge", "badHash"]);
FAILED.add("badModel").add("storageError");

const fmt = (x: number | null | undefined) =>
  x === null || x === undefined ? "n/a" : x.toFixed(2);

export class RolloutManager {
  private timer?: ReturnType<typeof setTimeout>;
  private stopped = false;
  private running?: Promise<void>;
  /** Canary devices the revert was sent to (per rollout), so it is not sent again. */
  private readonly reverted = new Map<number, Set<string>>();

  constructor(
    private readonly db: SqlDriver,
    private readonly store: Store,
    private readonly ota: OtaService,
    private readonly relay: CommandRelay,
    private readonly mqtt: () => MqttClient,
    private readonly trusted: KeyObject[],
    private readonly verifierThreshold: () => number | null,
    private readonly log: (line: string) => void,
    private readonly everyMs = 1000,
  ) {}

  start(): void {
    const loop = () => {
      if (this.stopped) return;
      this.running = this.evaluateAll().catch((e: Error) => this.log(`rollout: ${e.message}`));
      this.running.then(() => {
        if (!this.stopped) this.timer = setTimeout(loop, this.everyMs);
      });
    };
    loop();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  /** Starts a rollout: stores and offers the artifact to the canary; returns its row. */
  async begin(body: unknown): Promise<RolloutRow> {
    const r = parseBody(RolloutRequest, body, "rollout request");
    const pub = r.publish as { fleet?: unknown };
    const fleet = String(pub.fleet ?? "");
    const revert = checkSignedCommand(r.revert, fleet, this.trusted);
    // The artifact is checked (signature, fleet, hash) by the OTA service before anything else.
    const checked = await this.ota.check(r.publish);
    const m = checked.manifest;
    if (revert.op !== "revert" || revert.modelId !== m.modelId || revert.version !== m.version)
      throw bad(`the revert command must revert ${m.modelId} v${m.version}`);
    const devices = (await this.store.devices(fleet)).filter(
      (d) => d.modelId === m.modelId && (d.modelVersion ?? 0) < m.version,
    );
    if (devices.length === 0)
      throw bad(`fleet ${fleet} has no device running ${m.modelId} below v${m.version}`);
    // A stable, version-dependent order: each rollout samples other devices, reproducibly.
    const order = devices
      .map((d) => d.deviceId)
      .sort((a, b) => (rank(a, m.version) < rank(b, m.version) ? -1 : 1));
    const online = order.filter((id) => devices.find((d) => d.deviceId === id)?.online);
    const pool = online.length > 0 ? online : order;
    const n = Math.max(1, Math.round(r.canaryFraction * pool.length));
    const canary = pool.slice(0, n).sort();
    const control = order.filter((id) => !canary.includes(id)).sort();
    const published = await this.ota.publishChecked(checked, canary);
    await this.db.query(
      `UPDATE devices SET cohort = CASE WHEN device_id = ANY($1::text[]) THEN 'canary'
         ELSE 'control' END WHERE device_id = ANY($2::text[])`,
      [canary, [...canary, ...control]],
    );
    const ins = await this.db.query<{ id: number }>(
      `INSERT INTO rollouts (fleet, model_id, version, state, reason, canary, control,
         max_fa_per_hour, min_device_hours, revert_cmd, deployment_id)
       VALUES ($1, $2, $3, 'canary', $4, $5, $6, $7, $8, $9, $10) RETURNING id::float8 AS id`,
      [
        fleet,
        m.modelId,
        m.version,
        `offered to ${canary.length} canary device(s) of ${order.length}; waiting for ${r.minDeviceHours} device-hours`,
        canary,
        control,
        r.maxFaPerHour,
        r.minDeviceHours,
        r.revert,
        published.deployment.id,
      ],
    );
    const row = (await this.list()).find((x) => x.id === Number(ins.rows[0].id));
    if (!row) throw new Error("rollout vanished");
    this.log(
      `rollout ${row.id}: ${m.modelId} v${m.version} to canary ${canary.join(",")} (${chunkCount(m)} chunks)`,
    );
    return row;
  }

  /** Rollouts, newest first (without the signed revert command). */
  async list(): Promise<RolloutRow[]> {
    return (await this.listWithCommands()).map(({ revertCmd: _r, ...row }) => row);
  }

  private async listWithCommands() {
    const r = await this.db.query<Record<string, unknown>>(
      "SELECT * FROM rollouts ORDER BY id DESC",
    );
    return r.rows.map(toRow);
  }

  /** One evaluation of every open rollout (and re-sends of reverts); the loop calls it. */
  async evaluateAll(): Promise<void> {
    for (const r of await this.listWithCommands()) {
      if (r.state === "canary") await this.evaluate(r);
      if (r.state === "rolled-back") await this.revertStragglers(r);
    }
  }

  private async evaluate(r: RolloutRow & { revertCmd: string }): Promise<void> {
    const outcomes = await this.db.query<{ device_id: string; outcome: string }>(
      `SELECT DISTINCT ON (device_id) device_id, outcome FROM ota_outcomes
       WHERE model_id = $1 AND version = $2 AND device_id = ANY($3::text[])
       ORDER BY device_id, id DESC`,
      [r.modelId, r.version, r.canary],
    );
    const failed: Record<string, number> = {};
    let nFailed = 0;
    for (const o of outcomes.rows) {
      if (!FAILED.has(o.outcome)) continue;
      failed[o.outcome] = (failed[o.outcome] ?? 0) + 1;
      nFailed++;
    }
    const vt = this.verifierThreshold();
    // Both cohorts over the same period: since the canary was offered the model.
    const canary = await cohortFigures(
      this.db,
      r.canary,
      modelKey(r.modelId, r.version),
      vt,
      r.createdAt,
    );
    const control = await cohortFigures(this.db, r.control, r.modelId, vt, r.createdAt);
    const figures = { canary, control, failed };
    const failedText =
      nFailed > 0
        ? `; ${nFailed} canary device(s) could not activate (${Object.entries(failed)
            .map(([k, v]) => `${k}=${v}`)
            .join(" ")}) and kept their model`
        : "";
    if (nFailed === r.canary.length) {
      await this.decide(
        r,
        "rolled-back",
        `no canary device activated v${r.version}${failedText}`,
        figures,
      );
      return;
    }
    if (canary.device_hours < r.minDeviceHours) {
      await this.note(
        r,
        `canary: ${canary.device_hours.toFixed(4)} of ${r.minDeviceHours} device-hours on v${r.version}, ` +
          `FA/hour estimate ${fmt(canary.fa_per_hour_estimate)} so far${failedText}`,
        figures,
      );
      return;
    }
    const fa = canary.fa_per_hour_estimate;
    if (fa === null) {
      await this.note(
        r,
        `canary: waiting for the verifier to score its detections${failedText}`,
        figures,
      );
      return;
    }
    const why =
      `canary FA/hour estimate ${fmt(fa)} ${fa > r.maxFaPerHour ? ">" : "<="} max ${r.maxFaPerHour}` +
      ` (control ${fmt(control.fa_per_hour_estimate)}) over ${canary.device_hours.toFixed(4)} device-hours` +
      `, ${canary.detections} detections${failedText}`;
    if (fa > r.maxFaPerHour) await this.decide(r, "rolled-back", why, figures);
    else await this.decide(r, "promoted", why, figures);
  }

  private async note(r: RolloutRow, reason: string, figures: RolloutRow["figures"]) {
    await this.db.query(
      "UPDATE rollouts SET reason = $2, figures = $3::jsonb WHERE id = $1 AND state = 'canary'",
      [r.id, reason, JSON.stringify(figures)],
    );
  }

  private async decide(
    r: RolloutRow & { revertCmd: string },
    state: RolloutState,
    reason: string,
    figures: RolloutRow["figures"],
  ): Promise<void> {
    const u = await this.db.query(
      `UPDATE rollouts SET state = $2, reason = $3, figures = $4::jsonb, decided_at = now()
       WHERE id = $1 AND state = 'canary'`,
      [r.id, state, reason, JSON.stringify(figures)],
    );
    if (u.affected !== 1) return; // another service of the group decided first
    this.log(`rollout ${r.id}: ${state}: ${reason}`);
    const client = this.mqtt();
    if (state === "promoted") {
      const art = await this.store.artifact(r.modelId, r.version);
      if (!art) throw new Error(`artifact ${r.modelId} v${r.version} is gone`);
      await this.store.addDeployment({
        fleet: r.fleet,
        modelId: r.modelId,
        version: r.version,
        devices: null,
      });
      const offer = encodeForTopic("ota/offer", {
        manifest: [...art.manifest],
        signature: [...art.signature],
      });
      await client.publishAsync(fleetTopic(r.fleet, "ota/offer"), offer, { qos: 1, retain: true });
      return;
    }
    // Rolled back: no new canary device takes the offer, and those running it go back.
    await Promise.all(
      r.canary.map((d) =>
        client.publishAsync(deviceTopic(r.fleet, d, "ota/offer"), Buffer.alloc(0), {
          qos: 1,
          retain: true,
        }),
      ),
    );
    await this.revertStragglers({ ...r, state });
  }

  /** Sends the revert to canary devices that run the rolled-back version (once each). */
  private async revertStragglers(r: RolloutRow & { revertCmd: string }): Promise<void> {
    const running = (await this.store.devices(r.fleet)).filter(
      (d) =>
        r.canary.includes(d.deviceId) && d.modelId === r.modelId && d.modelVersion === r.version,
    );
    const sent = this.reverted.get(r.id) ?? new Set<string>();
    this.reverted.set(r.id, sent);
    const todo = running.map((d) => d.deviceId).filter((d) => !sent.has(d));
    if (todo.length === 0) return;
    const cmd: Command = checkSignedCommand(r.revertCmd, r.fleet, this.trusted);
    for (const d of todo) sent.add(d);
    await this.relay.publish(r.fleet, todo, cmd);
  }
}

function rank(device: string, version: number): string {
  return createHash("sha256").update(`${version}/${device}`).digest("hex");
}

function toRow(x: Record<string, unknown>): RolloutRow & { revertCmd: string } {
  const iso = (v: unknown) => (v instanceof Date ? v.toISOString() : v === null ? null : String(v));
  return {
    id: Number(x.id),
    fleet: String(x.fleet),
    modelId: String(x.model_id),
    version: Number(x.version),
    state: String(x.state) as RolloutState,
    reason: String(x.reason),
    canary: x.canary as string[],
    control: x.control as string[],
    maxFaPerHour: Number(x.max_fa_per_hour),
    minDeviceHours: Number(x.min_device_hours),
    figures: (typeof x.figures === "string"
      ? JSON.parse(x.figures)
      : x.figures) as RolloutRow["figures"],
    deploymentId: x.deployment_id === null ? null : Number(x.deployment_id),
    createdAt: iso(x.created_at) ?? "",
    decidedAt: iso(x.decided_at),
    revertCmd: String(x.revert_cmd),
  };
}
