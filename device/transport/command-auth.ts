/**
 * Signed fleet commands, device side (portable subset). A command carries the fleet it is for,
 * a sequence number and an Ed25519 signature, by the OTA signing key, over the command encoded
 * without its signature field. A device with a verifier refuses, and reports in the ack,
 * unsigned, forged, replayed (seq not above the last accepted) and other-fleet commands.
 */
import { encodeMessage } from "../../protocol/codec";
import type { Command } from "../../protocol/messages";
import type { SignatureVerifier } from "../ota/interfaces";

/** The bytes the signature covers: the command without its signature field. */
export function commandBody(cmd: Command): number[] {
  return encodeMessage("cmd", {
    cmdId: cmd.cmdId,
    op: cmd.op,
    threshold: cmd.threshold,
    keyword: cmd.keyword,
    smoothing: cmd.smoothing,
    strideFrames: cmd.strideFrames,
    fleet: cmd.fleet,
    seq: cmd.seq,
    modelId: cmd.modelId,
    version: cmd.version,
    capture: cmd.capture,
  });
}

/** Keeps the last accepted sequence number; on an MCU persist it with the OTA journal. */
export class CommandGate {
  private lastSeq: number;

  constructor(
    private readonly verifier: SignatureVerifier,
    private readonly fleet: string,
    lastSeq?: number,
  ) {
    this.lastSeq = lastSeq !== undefined ? lastSeq : 0;
  }

  /** "" when the command may run (and its seq is now the last accepted), else why not. */
  check(cmd: Command): string {
    if (cmd.signature === undefined || cmd.seq === undefined || cmd.fleet === undefined)
      return "unsigned command refused";
    if (!this.verifier.verify(commandBody(cmd), cmd.signature)) return "bad signature";
    if (cmd.fleet !== this.fleet) return `command signed for fleet ${cmd.fleet}`;
    if (cmd.seq <= this.lastSeq) return `replayed command (seq ${cmd.seq} <= ${this.lastSeq})`;
    this.lastSeq = cmd.seq;
    return "";
  }

  last(): number {
    return this.lastSeq;
  }
}
