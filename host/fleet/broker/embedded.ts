/**
 * The embedded broker: aedes (MQTT 3.1.1) on a TCP port, in this process, guarded like the
 * mosquitto set-up: every client logs in with a username and password from the credentials map
 * (credentials.json: device id -> password, plus the service account), is then known by that
 * username only, and the same ACL (acl.ts) decides what it may publish and subscribe. Client ids
 * reserved for the service cannot be taken by a device. Good for one machine and demos;
 * deployments use mosquitto or a cluster.
 *
 * aedes writes the PUBACK of a QoS 1 publish right after `authorizePublish` and before it routes
 * the message, and keeps nothing on disk: an acked message still on its way to a subscriber is
 * gone if the process dies. So the service does not subscribe to this broker; `beforeAck` runs
 * inside `authorizePublish`, and the PUBACK waits until it calls back (ingest: row committed).
 */

import { timingSafeEqual } from "node:crypto";
import { createServer, type Server } from "node:net";
import { Aedes } from "aedes";
import { FleetError } from "../errors";
import { isServiceClientId, mayPublish, maySubscribe, SERVICE_USER } from "./acl";
import { MAX_PACKET_BYTES } from "./mosquitto";
import { limitPacketSize } from "./packet-limit";

export interface EmbeddedBroker {
  url: string;
  port: number;
  close(): Promise<void>;
}

export interface EmbeddedBrokerOptions {
  port: number;
  host?: string;
  /** username -> password; every client must log in with one of these. */
  credentials: Map<string, string>;
  /** Device -> its fleet: a bound device publishes and subscribes in that fleet only. */
  fleets?: Map<string, string>;
  /**
   * Runs for every authorized publish before the broker acks or routes it; `done` lets it
   * through. Never calling `done` (service going down) leaves the message unacked with the
   * device, which sends it again.
   */
  beforeAck?: (topic: string, payload: Buffer, done: () => void) => void;
}

type Client = { id: string; earshotUser?: string };
/** The authenticated username; "" (allowed nothing) before authentication. */
const userOf = (c: Client | null): string => c?.earshotUser ?? "";

/** CONNACK return codes of MQTT 3.1.1 (aedes reads `returnCode` from the error). */
const BAD_LOGIN = 4;
const NOT_AUTHORIZED = 5;

function refuse(done: (err: Error, ok: boolean) => void, code: number, why: string): void {
  done(Object.assign(new Error(why), { returnCode: code }), false);
}

function samePassword(given: Buffer | undefined, want: string): boolean {
  const a = given ?? Buffer.alloc(0);
  const b = Buffer.from(want);
  return a.length === b.length && timingSafeEqual(a, b);
}

export async function startEmbeddedBroker(o: EmbeddedBrokerOptions): Promise<EmbeddedBroker> {
  const broker = await Aedes.createBroker({
    authenticate: (client, username, password, done) => {
      const c = client as unknown as Client;
      const want = username ? o.credentials.get(username) : undefined;
      if (want === undefined || !samePassword(password, want))
        return refuse(done as never, BAD_LOGIN, "bad username or password");
      if (username !== SERVICE_USER && isServiceClientId(c.id))
        return refuse(
          done as never,
          NOT_AUTHORIZED,
          `client id ${c.id} is reserved for the service`,
        );
      c.earshotUser = username;
      done(null, true);
    },
    authorizePublish: (client, packet, done) => {
      const user = userOf(client as unknown as Client);
      if (!mayPublish(user, packet.topic, o.fleets?.get(user)))
        return done(new Error(`not allowed to publish on ${packet.topic}`));
      // A device retains only its status (its last will): anything else would let one device
      // fill the broker's retained store.
      if (packet.retain && user !== SERVICE_USER && !packet.topic.endsWith("/status"))
        return done(new Error(`not allowed to retain on ${packet.topic}`));
      if (!o.beforeAck) return done(null);
      o.beforeAck(packet.topic, packet.payload as Buffer, () => done(null));
    },
    authorizeSubscribe: (client, sub, done) => {
      const user = userOf(client as unknown as Client);
      if (maySubscribe(user, sub.topic, o.fleets?.get(user))) return done(null, sub);
      done(new Error(`not allowed to subscribe to ${sub.topic}`), null);
    },
  });
  const server: Server = createServer((socket) => {
    limitPacketSize(socket, MAX_PACKET_BYTES);
    broker.handle(socket);
  });
  const host = o.host ?? "127.0.0.1";
  try {
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(o.port, host, () => resolve());
    });
  } catch (e) {
    // aedes keeps timers running: close it, or a service that cannot listen never exits.
    await new Promise<void>((r) => broker.close(() => r()));
    throw new FleetError(
      `embedded broker cannot listen on ${host}:${o.port}: ${(e as Error).message}`,
    );
  }
  const port = (server.address() as { port: number }).port;
  return {
    url: `mqtt://${host}:${port}`,
    port,
    close: async () => {
      await new Promise<void>((r) => broker.close(() => r()));
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
