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

/**
 * Whether `user` may publish on `topic`. `fleet`: the device's fleet when it is bound to one
 * (always on mosquitto, via its ACL section; on the embedded broker when credentials say so).
 */
export function mayPublish(user: string, topic: string, fleet?: string): boolean {
  if (user === SERVICE_USER) return true;
  try {
    const t = parseTopic(topic);
    if (fleet !== undefined && t.fleet !== fleet) return false;
    return t.info.direction === "up" && t.target.scope === "device" && t.target.id === user;
  } catch {
    return false;
  }
}

/** Subscriptions a device may make: down kinds on its own topic or its fleet group. */
export function maySubscribe(user: string, filter: string, fleet?: string): boolean {
  if (user === SERVICE_USER) return true;
  const parts = filter.split("/");
  if (parts[0] !== TOPIC_ROOT || parts[1] !== TOPIC_VERSION || parts.length < 5) return false;
  if (parts[2].includes("#") || parts[2].includes("+")) return false;
  if (fleet !== undefined && parts[2] !== fleet) return false;
  if (parts[3] !== user && parts[3] !== FLEET_GROUP) return false;
  const kind = parts.slice(4).join("/");
  if (kind === "ota/#" || kind === "ota/+") return true;
  return TOPIC_KINDS.some((k) => k.direction === "down" && k.kind === kind);
}

/** A device and the one fleet it belongs to (its ACL names that fleet, never a wildcard). */
export interface DeviceAccount {
  id: string;
  fleet: string;
}

/**
 * The mosquitto ACL file (acl_file): the service account, then one section per device naming
 * its own fleet. No `pattern` lines: a pattern can only wildcard the fleet segment, which let a
 * device read other fleets' `_all` topics and publish under another fleet id.
 */
export function mosquittoAcl(devices: DeviceAccount[] = []): string {
  const base = `${TOPIC_ROOT}/${TOPIC_VERSION}`;
  const lines = [
    "# earshot mosquitto ACL, generated from protocol/topics.ts by `earshot fleet acl`.",
    "# Device credentials: username = device id (see `earshot fleet broker-config`).",
    "# Each device has its own section bound to its fleet (`fleet broker-config --fleet`):",
    "# it publishes its own up topics and reads its own and its fleet's down topics, nothing else.",
    "",
    "# The fleet service: ingest (shared subscriptions), commands, OTA offers and chunks.",
    `user ${SERVICE_USER}`,
    `topic readwrite ${TOPIC_ROOT}/#`,
  ];
  // Two-segment kinds (ota/offer, ota/chunk) are granted as ota/#: devices subscribe with the
  // wildcard (protocol deviceSubscriptions), and mosquitto checks the filter itself on SUBSCRIBE.
  const down = new Set<string>();
  for (const k of TOPIC_KINDS) {
    if (k.direction === "down")
      down.add(k.kind.includes("/") ? `${k.kind.split("/")[0]}/#` : k.kind);
  }
  for (const d of devices) {
    lines.push("", `user ${d.id}`);
    for (const k of TOPIC_KINDS) {
      if (k.direction === "up") lines.push(`topic write ${base}/${d.fleet}/${d.id}/${k.kind}`);
    }
    for (const kind of down) {
      lines.push(`topic read ${base}/${d.fleet}/${d.id}/${kind}`);
      lines.push(`topic read ${base}/${d.fleet}/${FLEET_GROUP}/${kind}`);
    }
  }
  return `${lines.join("\n")}\n`;
}
