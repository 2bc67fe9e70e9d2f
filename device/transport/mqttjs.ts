/**
 * Node binding of DeviceLink over MQTT.js: per-device credentials, the status last will, events
 * forwarded to the link, and a timer driving link.tick. Everything protocol-shaped lives in the
 * link; this file only adapts MQTT.js.
 */
import mqtt, { type IClientOptions, type MqttClient } from "mqtt";
import { DeviceLink, type DeviceLinkOptions, type MqttPort } from "./link";

export interface MqttDeviceOptions extends DeviceLinkOptions {
  url: string;
  username?: string;
  password?: string;
  /** Delay between reconnect attempts (default 1000 ms). */
  reconnectPeriodMs?: number;
  /** How often link.tick runs (default 250 ms). */
  tickMs?: number;
  /** Extra MQTT.js options (TLS material, keepalive, ...). */
  mqtt?: IClientOptions;
}

export interface MqttDevice {
  link: DeviceLink;
  client: MqttClient;
  /** The last connection error (refused credentials, unreachable broker), "" when none. */
  lastError(): string;
  /** Publish status offline (shutdown) and disconnect cleanly (`force`: drop unacked publishes). */
  close(force?: boolean): Promise<void>;
}

export function connectDevice(opts: MqttDeviceOptions): MqttDevice {
  const link = new DeviceLink(opts);
  const will = link.will();
  const client = mqtt.connect(opts.url, {
    clientId: `earshot-${opts.fleet}-${opts.device}`,
    username: opts.username,
    password: opts.password,
    protocolVersion: 4, // 3.1.1: what MCU clients (Espruino, NodeMCU) speak
    clean: true,
    reconnectPeriod: opts.reconnectPeriodMs ?? 1000,
    connectTimeout: 5000,
    queueQoSZero: false, // telemetry is not stored offline; detections are, in the link's ring
    will: { topic: will.topic, payload: Buffer.from(will.payload), qos: 1, retain: true },
    ...opts.mqtt,
  });
  const port: MqttPort = {
    keepsInflight: true, // MQTT.js resends unacknowledged QoS 1 packets after reconnecting
    publish(topic, payload, qos, retain, done) {
      client.publish(topic, Buffer.from(payload), { qos: qos as 0 | 1, retain }, (err) =>
        done(!err),
      );
    },
    subscribe(filters) {
      client.subscribe(filters, { qos: 1 });
    },
  };
  client.on("connect", () => link.connected(port));
  client.on("close", () => link.disconnected());
  client.on("message", (topic, payload) => link.message(topic, payload as unknown as number[]));
  let lastError = "";
  // Connection errors also surface as close + reconnect; keep the reason for the host to show.
  client.on("error", (err) => {
    lastError = err.message;
  });
  const timer = setInterval(() => link.tick(opts.now()), opts.tickMs ?? 250);
  timer.unref();
  return {
    link,
    client,
    lastError: () => lastError,
    async close(force = false) {
      clearInterval(timer);
      link.shutdown();
      await client.endAsync(force);
    },
  };
}
