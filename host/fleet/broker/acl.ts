/**
 * Who may publish and subscribe what, derived from the protocol's topic table (TOPIC_KINDS):
 * a device (MQTT username = device id) publishes the "up" kinds on its own device topic only and
 * subscribes the "down" kinds on its own topic and its fleet's group topic; it never publishes a
 * down kind (commands, OTA offers and chunks). The service account may do everything.
 *
 * The same rules run in two places: `mayPublish`/`maySubscribe` guard the embedded aedes broker,
 * and `mosquittoAcl()` writes them as a mosquitto ACL file (deploy/mosquitto/acl).
 */
import {
  FLEET_GROUP,
  parseTopic,
  TOPIC_KINDS,
  TOPIC_ROOT,
  TOPIC_VERSION,
} from "../../../protocol/topics";

export const SERVICE_USER = "earshot-service";
/** Client ids only the service account may use (its ingest and control sessions). */
export const SERVICE_CLIENT_PREFIXES = [SERVICE_USER, "earshot-ingest"];

export function isServiceClientId(id: string): boolean {
  return SERVICE_CLIENT_PREFIXES.some((p) => id === p || id.startsWith(`${p}-`));
}

export function mayPublish(user: string, topic: string): boolean {
  if (user === SERVICE_USER) return true;
  try {
    const t = parseTopic(topic);
    return t.info.direction === "up" && t.target.scope === "device" && t.target.id === user;
  } catch {
    return false;
  }
}

/** Subscriptions a device may make: down kinds on its own topic or its fleet group. */
export function maySubscribe(user: string, filter: string): boolean {
  if (user === SERVICE_USER) return true;
  const parts = filter.split("/");
  if (parts[0] !== TOPIC_ROOT || parts[1] !== TOPIC_VERSION || parts.length < 5) return false;
  if (parts[2].includes("#") || parts[2].includes("+")) return false;
  if (parts[3] !== user && parts[3] !== FLEET_GROUP) return false;
  const kind = parts.slice(4).join("/");
  if (kind === "ota/#" || kind === "ota/+") return true;
  return TOPIC_KINDS.some((k) => k.direction === "down" && k.kind === kind);
}

/** The mosquitto ACL file (acl_file): the service account, then per-device patterns. */
export function mosquittoAcl(): string {
  const base = `${TOPIC_ROOT}/${TOPIC_VERSION}`;
  const lines = [
    "# earshot mosquitto ACL, generated from protocol/topics.ts by `earshot fleet acl`.",
    "# Device credentials: username = device id (see `earshot fleet broker-config`).",
    "# The fleet segment is a wildcard: device ids are unique across fleets.",
    "",
    "# The fleet service: ingest (shared subscriptions), commands, OTA offers and chunks.",
    `user ${SERVICE_USER}`,
    `topic readwrite ${TOPIC_ROOT}/#`,
    "",
    "# Every device (%u = its username): publish its own up topics only.",
  ];
  for (const k of TOPIC_KINDS) {
    if (k.direction === "up") lines.push(`pattern write ${base}/+/%u/${k.kind}`);
  }
  lines.push("", "# ...and read down topics addressed to it or to its whole fleet.");
  // Two-segment kinds (ota/offer, ota/chunk) are granted as ota/#: devices subscribe with the
  // wildcard (protocol deviceSubscriptions), and mosquitto checks the filter itself on SUBSCRIBE.
  const down = new Set<string>();
  for (const k of TOPIC_KINDS) {
    if (k.direction === "down")
      down.add(k.kind.includes("/") ? `${k.kind.split("/")[0]}/#` : k.kind);
  }
  for (const kind of down) {
    lines.push(`pattern read ${base}/+/%u/${kind}`);
    lines.push(`pattern read ${base}/+/${FLEET_GROUP}/${kind}`);
  }
  return `${lines.join("\n")}\n`;
}
