/**
 * A maximum MQTT packet size for the embedded broker. aedes has no such option: its parser
 * buffers whatever remaining length a client announces, so a 200 MB PUBLISH makes the service
 * hold 200 MB. The guard reads each packet's fixed header (type byte + remaining-length varint)
 * as the bytes pass and closes the connection as soon as a header announces too much, before
 * the body arrives.
 */
import type { Socket } from "node:net";

/** Tracks packet boundaries in a byte stream; `feed` returns false once a packet is too large. */
export class PacketSizeGuard {
  private state: "type" | "length" | "body" = "type";
  private length = 0;
  private multiplier = 1;
  private lengthBytes = 0;
  private remaining = 0;

  constructor(private readonly max: number) {}

  feed(buf: Buffer): boolean {
    let i = 0;
    while (i < buf.length) {
      if (this.state === "type") {
        i++;
        this.state = "length";
        this.length = 0;
        this.multiplier = 1;
        this.lengthBytes = 0;
      } else if (this.state === "length") {
        const b = buf[i++];
        this.length += (b & 0x7f) * this.multiplier;
        this.multiplier *= 128;
        this.lengthBytes++;
        if (b & 0x80) {
          if (this.lengthBytes === 4) return false; // malformed: a fifth length byte
          continue;
        }
        if (1 + this.lengthBytes + this.length > this.max) return false;
        this.remaining = this.length;
        this.state = this.remaining > 0 ? "body" : "type";
      } else {
        const n = Math.min(this.remaining, buf.length - i);
        i += n;
        this.remaining -= n;
        if (this.remaining === 0) this.state = "type";
      }
    }
    return true;
  }
}

/**
 * Installs the guard on a socket aedes reads with `socket.read()` (paused mode): every chunk it
 * reads passes the guard first; an oversized packet destroys the socket instead.
 */
export function limitPacketSize(socket: Socket, max: number): void {
  const guard = new PacketSizeGuard(max);
  const read = socket.read.bind(socket);
  socket.read = (size?: number) => {
    const chunk = read(size) as Buffer | null;
    if (chunk && !guard.feed(chunk)) {
      socket.destroy();
      return null;
    }
    return chunk;
  };
}
