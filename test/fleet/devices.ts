/** Real device links (device/transport over MQTT.js) for fleet tests. */
import { connectDevice, type MqttDevice } from "../../device/transport/mqttjs";

const noControl = {
  setThreshold: () => undefined,
  setSmoothing: () => undefined,
  setStride: () => undefined,
  reboot: () => {},
};

export function testDevice(
  url: string,
  fleet: string,
  device: string,
  password?: string,
): MqttDevice {
  const u = new URL(url);
  return connectDevice({
    url: `mqtt://${u.host}`,
    username: device,
    password,
    fleet,
    device,
    runtimeVersion: "0.1.0",
    model: { modelId: "kws", version: 1 },
    control: noControl,
    now: () => Date.now(),
    clockSynced: true,
    firstSeq: 1,
    ringCapacity: 4096,
    reconnectPeriodMs: 100,
    tickMs: 50,
  });
}

export async function waitFor<T>(
  what: string,
  probe: () => Promise<T>,
  ok: (v: T) => boolean,
  timeoutMs = 20_000,
): Promise<T> {
  const until = Date.now() + timeoutMs;
  let last: T = await probe();
  while (!ok(last)) {
    if (Date.now() > until)
      throw new Error(`timed out waiting for ${what}; last: ${JSON.stringify(last)}`);
    await new Promise((r) => setTimeout(r, 50));
    last = await probe();
  }
  return last;
}

/** fetch() options carrying the service's API token. */
export function bearer(token: string): RequestInit {
  return { headers: { authorization: `Bearer ${token}` } };
}
