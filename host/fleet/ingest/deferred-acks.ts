/**
 * Ack-after-persist for MQTT.js without serializing a connection. MQTT.js handles incoming
 * publishes one at a time: the next packet waits until `handleMessage` calls back, and the
 * PUBACK goes out right after. Deferring that callback until the batch is stored would allow one
 * unstored message per connection, so batches could never grow. Instead we let `handleMessage`
 * return at once and hold back only the PUBACK (intercepted at MQTT.js's `_sendPacket`) until
 * the pipeline acks the message. The broker's in-flight window (mosquitto
 * max_inflight_messages) then bounds how many unstored messages one connection carries.
 *
 * On disconnect every held PUBACK is forgotten: the broker redelivers those messages on the
 * session's next connection (MQTT 5 §4.4), and ingest counts them as duplicates if they were
 * stored meanwhile. `_sendPacket` is MQTT.js internal API (5.x); ingest.pipeline.test.ts pins the
 * behaviour this relies on.
 */
import type { MqttClient, Packet } from "mqtt";

type SendPacket = (packet: Packet, cb?: (err?: Error) => void, ...rest: unknown[]) => void;

interface Held {
  stored: boolean;
  send?: () => void;
}

/** Installs deferred PUBACKs on `client`; `onMessage` gets an ack to call once persisted. */
export function deferPubacks(
  client: MqttClient,
  onMessage: (topic: string, payload: Buffer, ack: () => void) => void,
): void {
  let held = new Map<number, Held>();
  const internals = client as unknown as { _sendPacket: SendPacket };
  const send = internals._sendPacket.bind(client);
  internals._sendPacket = (packet, cb, ...rest) => {
    const id = (packet as { messageId?: number }).messageId;
    const h = packet.cmd === "puback" && id !== undefined ? held.get(id) : undefined;
    if (!h) return send(packet, cb, ...rest);
    if (h.stored) {
      held.delete(id as number);
      return send(packet, cb, ...rest);
    }
    h.send = () => send(packet);
    cb?.(); // let MQTT.js move on to the next packet; the PUBACK itself waits
  };
  client.on("close", () => {
    held = new Map();
  });
  client.handleMessage = (packet, callback) => {
    const id = packet.messageId;
    if (packet.qos !== 1 || id === undefined) {
      onMessage(packet.topic, packet.payload as Buffer, () => {});
      return callback();
    }
    const h: Held = { stored: false };
    const generation = held;
    generation.set(id, h);
    onMessage(packet.topic, packet.payload as Buffer, () => {
      if (generation !== held || generation.get(id) !== h) return; // connection gone: broker redelivers
      h.stored = true;
      if (h.send) {
        generation.delete(id);
        h.send();
      }
    });
    callback();
  };
}
