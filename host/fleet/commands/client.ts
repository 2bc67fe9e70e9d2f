/**
 * What the CLI's field commands (`fleet cmd`, `fleet calibrate`, `ota rollout`) share: sign a
 * command with the OTA key, hand it to the service, wait for the devices' acks.
 */
import { randomInt } from "node:crypto";
import { encodeMessage } from "../../../protocol/codec";
import type { Command } from "../../../protocol/messages";
import { isValidId } from "../../../protocol/topics";
import { loadSigningKey } from "../../ota/keys";
import { callService } from "../../ota/publish";
import { FleetError } from "../errors";
import { nextSeq, signCommand } from "./sign";

export interface ServiceTarget {
  service: string;
  token: string;
}

const userError = (msg: string) => new FleetError(msg);

/** The command signed for `fleet`, encoded as hex (what /api/commands and rollouts take). */
export function signedCommandHex(
  cmd: Omit<Command, "fleet" | "seq" | "signature" | "cmdId">,
  fleet: string,
  keyFile: string,
): { hex: string; cmdId: number } {
  if (!isValidId(fleet)) throw userError(`invalid fleet id ${JSON.stringify(fleet)}`);
  const key = loadSigningKey(keyFile);
  const cmdId = randomInt(1, 2 ** 31 - 1);
  const signed = signCommand({ ...cmd, cmdId }, fleet, nextSeq(), key.privateKey);
  return { hex: Buffer.from(encodeMessage("cmd", signed)).toString("hex"), cmdId };
}

export interface Ack {
  device: string;
  ok: boolean;
  error: string | null;
}

/** Sends a signed command and waits up to waitMs for one ack per target device. */
export async function sendCommand(
  t: ServiceTarget,
  fleet: string,
  devices: string[] | undefined,
  hex: string,
  cmdId: number,
  waitMs: number,
): Promise<{ cmdId: number; topics: string[]; acks: Ack[] }> {
  const sent = (await callService(t.service, t.token, "/api/commands", {
    fleet,
    devices,
    command: hex,
  })) as { topics: string[] };
  const until = Date.now() + waitMs;
  let acks: Ack[] = [];
  for (;;) {
    const rows = (await callService(t.service, t.token, `/api/commands?cmd=${cmdId}`)) as {
      acks: Ack[];
    }[];
    acks = rows[0]?.acks ?? [];
    if ((devices && acks.length >= devices.length) || Date.now() >= until) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  return { cmdId, topics: sent.topics, acks };
}
