/**
 * Signed fleet commands, host side: the CLI signs with the OTA private key (it never leaves the
 * host that runs the CLI); the service only relays. See device/transport/command-auth.ts.
 */
import type { KeyObject } from "node:crypto";
import { commandBody } from "../../../device/transport/command-auth";
import type { Command } from "../../../protocol/messages";
import { signBytes } from "../../../protocol/ota/keys";

/** The command bound to `fleet` and `seq`, with its signature. */
export function signCommand(
  cmd: Omit<Command, "fleet" | "seq" | "signature">,
  fleet: string,
  seq: number,
  privateKey: KeyObject,
): Command {
  const bound: Command = { ...cmd, fleet, seq };
  return { ...bound, signature: [...signBytes(Uint8Array.from(commandBody(bound)), privateKey)] };
}

/**
 * A signing sequence number: the time in ms, so that commands signed later (by any host holding
 * the key) carry higher numbers without shared state; `after` pushes it above one already used.
 */
export function nextSeq(after = 0): number {
  return Math.max(Date.now(), after + 1);
}
