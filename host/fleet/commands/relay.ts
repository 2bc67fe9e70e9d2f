/**
 * The service's side of signed commands: it never signs (the CLI holds the key); it checks a
 * signed command against the keys it trusts and the fleet it is addressed to, publishes it on
 * the target's cmd topic(s), and keeps a log. Devices check again: the service's check only
 * keeps garbage off the broker and names the problem to the caller.
 */
import type { KeyObject } from "node:crypto";
import type { MqttClient } from "mqtt";
import { z } from "zod";
import { commandBody } from "../../../device/transport/command-auth";
import { decodeMessage, encodeMessage } from "../../../protocol/codec";
import type { Command } from "../../../protocol/messages";
import { verifyBytes } from "../../../protocol/ota/keys";
import { deviceTopic, fleetTopic, isValidId } from "../../../protocol/topics";
import { FleetError } from "../errors";
import { parseBody } from "../request-body";
import type { SqlDriver } from "../store/driver";

const id = z.string().refine(isValidId, "invalid id");

export const CommandRequest = z.object({
  fleet: id,
  /** Device ids; absent: the whole fleet (its `_all` topic). */
  devices: z.array(id).min(1).max(100_000).optional(),
  /** The encoded signed command, hex. */
  command: z.string().regex(/^([0-9a-f]{2})+$/, "hex"),
});
export type CommandRequest = z.infer<typeof CommandRequest>;

const bad = (msg: string) => new FleetError(msg);

/** Decodes and checks a signed command; throws an expected error naming the problem. */
export function checkSignedCommand(hex: string, fleet: string, trusted: KeyObject[]): Command {
  let cmd: Command;
  try {
    cmd = decodeMessage("cmd", [...Buffer.from(hex, "hex")]);
  } catch (e) {
    throw bad(`command does not decode: ${(e as Error).message}`);
  }
  if (!cmd.signature || cmd.seq === undefined || cmd.fleet === undefined)
    throw bad("command is not signed (sign it with the OTA key: earshot fleet cmd --key ...)");
  if (trusted.length === 0)
    throw bad("the service trusts no OTA key: start `fleet serve --ota-public-key ...`");
  const body = Uint8Array.from(commandBody(cmd));
  if (!trusted.some((k) => verifyBytes(body, Uint8Array.from(cmd.signature ?? []), k)))
    throw bad("command signature does not verify with the service's OTA public key");
  if (cmd.fleet !== fleet) throw bad(`command is signed for fleet ${cmd.fleet}, not ${fleet}`);
  return cmd;
}

export interface SentCommand {
  cmdId: number;
  seq: number;
  op: string;
  topics: string[];
}

export class CommandRelay {
  constructor(
    private readonly db: SqlDriver,
    private readonly mqtt: () => MqttClient,
    private readonly trusted: KeyObject[],
  ) {}

  async send(body: unknown): Promise<SentCommand> {
    const req = parseBody(CommandRequest, body, "command request");
    const cmd = checkSignedCommand(req.command, req.fleet, this.trusted);
    return this.publish(req.fleet, req.devices, cmd);
  }

  /** Publishes an already checked command (the rollout's pre-signed revert). */
  async publish(fleet: string, devices: string[] | undefined, cmd: Command): Promise<SentCommand> {
    const topics = devices
      ? devices.map((d) => deviceTopic(fleet, d, "cmd"))
      : [fleetTopic(fleet, "cmd")];
    const payload = Buffer.from(encodeMessage("cmd", cmd));
    const client = this.mqtt();
    await Promise.all(topics.map((t) => client.publishAsync(t, payload, { qos: 1 })));
    const { signature: _s, ...shown } = cmd;
    await this.db.query(
      `INSERT INTO commands (fleet, target, cmd_id, seq, op, body)
       SELECT $1, t, $2, $3, $4, $5::jsonb FROM unnest($6::text[]) AS t`,
      [fleet, cmd.cmdId, cmd.seq ?? 0, cmd.op, JSON.stringify(shown), devices ?? ["_all"]],
    );
    return { cmdId: cmd.cmdId, seq: cmd.seq ?? 0, op: cmd.op, topics };
  }

  /** Commands sent (newest first) with the acks devices returned. */
  async list(cmdId?: number) {
    const r = await this.db.query<Record<string, unknown>>(
      `SELECT c.cmd_id::float8 AS cmd_id, c.fleet, c.op, c.seq::float8 AS seq, c.body,
         min(c.sent_at) AS sent_at, array_agg(DISTINCT c.target) AS targets,
         (SELECT coalesce(json_agg(json_build_object('device', a.device_id, 'ok', a.ok,
            'error', a.error) ORDER BY a.id), '[]'::json)
          FROM command_acks a WHERE a.cmd_id = c.cmd_id) AS acks
       FROM commands c WHERE $1::bigint IS NULL OR c.cmd_id = $1
       GROUP BY c.cmd_id, c.fleet, c.op, c.seq, c.body ORDER BY min(c.id) DESC LIMIT 200`,
      [cmdId ?? null],
    );
    return r.rows.map((x) => ({
      cmdId: Number(x.cmd_id),
      fleet: String(x.fleet),
      op: String(x.op),
      seq: Number(x.seq),
      body: x.body,
      targets: x.targets as string[],
      acks: (typeof x.acks === "string" ? JSON.parse(x.acks) : x.acks) as {
        device: string;
        ok: boolean;
        error: string | null;
      }[],
    }));
  }
}
