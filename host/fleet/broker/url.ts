/** The external broker's URL, checked before anything connects (MQTT.js would throw "Missing protocol" or retry forever). */
const SCHEMES = ["mqtt:", "mqtts:", "tcp:", "tls:", "ws:", "wss:"];

export function checkBrokerUrl(url: string, flag = "--mqtt-url"): URL {
  let u: URL | undefined;
  try {
    u = new URL(url);
  } catch {
    u = undefined;
  }
  if (!u || !SCHEMES.includes(u.protocol) || u.hostname === "") {
    throw Object.assign(
      new Error(
        `${flag} ${JSON.stringify(url)} is not a broker URL (want mqtt://HOST:PORT, mqtts://, ws:// or wss://)`,
      ),
      { expected: true },
    );
  }
  return u;
}
