/**
 * The embedded broker: aedes (MQTT 3.1.1) on a TCP port, in this process, guarded by the same
 * ACL as mosquitto deployments. Without a credentials map any client may connect and is
 * treated as the device named by its username (or client id when it gives none); the service
 * connects as SERVICE_USER. Good for one machine and demos; deployments use mosquitto or a cluster.
 *
 * aedes writes the PUBACK of a QoS 1 publish right after `authorizePublish` and before it routes
 * the message, and keeps nothing on disk: an acked message still on its way to a subscriber is
 * gone if the process dies. So the service does not subscribe to this broker; `beforeAck` runs
 * inside `authorizePublish`, and the PUBACK waits until it calls back (ingest: row committed).
 */
import { createServer, type Server } from "node:net";
import { Aedes } from "aedes";
import { mayPublish, maySubscribe } from "./acl";

export interface EmbeddedBroker {
  url: string;
  port: number;
  close(): Promise<void>;
}

export interface EmbeddedBrokerOptions {
  port: number;
  host?: string;
  /** username -> password; when given, every client must authenticate. */
  credentials?: Map<string, string>;
  /**
   * Runs for every authorized publish before the broker acks or routes it; `done` lets it
   * through. Never calling `done` (service going down) leaves the message unacked with the
   * device, which sends it again.
   */
  beforeAck?: (topic: string, payload: Buffer, done: () => void) => void;
}

type Client = { id: string; earshotUser?: string };
const userOf = (c: Client | null): string => c?.earshotUser ?? c?.id ?? "";

export async function startEmbeddedBroker(o: EmbeddedBrokerOptions): Promise<EmbeddedBroker> {
  const broker = await Aedes.createBroker({
    authenticate: (client, username, password, done) => {
      const c = client as unknown as Client;
      if (o.credentials) {
        const want = username ? o.credentials.get(username) : undefined;
        if (want === undefined || want !== password?.toString()) {
          const err = Object.assign(new Error("bad username or password"), { returnCode: 4 });
          return done(err as never, false);
        }
      }
      if (username) c.earshotUser = username;
      done(null, true);
    },
    authorizePublish: (client, packet, done) => {
      if (!mayPublish(userOf(client as unknown as Client), packet.topic))
        return done(new Error(`not allowed to publish on ${packet.topic}`));
      if (!o.beforeAck) return done(null);
      o.beforeAck(packet.topic, packet.payload as Buffer, () => done(null));
    },
    authorizeSubscribe: (client, sub, done) => {
      if (maySubscribe(userOf(client as unknown as Client), sub.topic)) return done(null, sub);
      done(new Error(`not allowed to subscribe to ${sub.topic}`), null);
    },
  });
  const server: Server = createServer(broker.handle);
  const host = o.host ?? "127.0.0.1";
  try {
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(o.port, host, () => resolve());
    });
  } catch (e) {
    // aedes keeps timers running: close it, or a service that cannot listen never exits.
    await new Promise<void>((r) => broker.close(() => r()));
    throw Object.assign(
      new Error(`embedded broker cannot listen on ${host}:${o.port}: ${(e as Error).message}`),
      { expected: true },
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
