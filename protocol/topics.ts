/**
 * MQTT topic scheme, version 1:
 *
 *   earshot/v1/{fleet}/{target}/{kind}
 *
 * - `fleet`: an id (see `isValidId`).
 * - `target`: a device id, or a reserved group name starting with "_":
 *     `_all`            every device of the fleet (fleet-wide commands and OTA offers)
 *     `_c.{cohort}`     a cohort (staged rollouts; reserved for the rollout issue)
 *   Device ids never start with "_", so groups and devices cannot collide.
 * - `kind`: one of TOPIC_KINDS, one or two segments (`det`, `ota/chunk`, ...).
 *
 * Direction is part of each kind: devices publish "up" kinds on their own device topic only, and
 * subscribe to "down" kinds on their device topic and on the groups they belong to. The broker
 * ACL is derived from this table (host/fleet, deploy/). New kinds (e.g. field-quality samples)
 * are appended; the version segment changes only when an existing kind changes meaning.
 *
 * Portable subset (devices build their topics with it): no regexes, no Map/Set.
 */
import { protocolError } from "./errors";

export const TOPIC_ROOT = "earshot";
export const TOPIC_VERSION = "v1";
/** Ids are 1..64 chars of [A-Za-z0-9._-]; devices and fleets start with a letter or digit. */
export const MAX_ID_LENGTH = 64;
export const FLEET_GROUP = "_all";
export const COHORT_PREFIX = "_c.";

export type TopicKind =
  | "det"
  | "tel"
  | "status"
  | "ack"
  | "cmd"
  | "ota/offer"
  | "ota/chunk"
  | "ota/req"
  | "ota/report";

export type Direction = "up" | "down";

export interface TopicKindInfo {
  kind: TopicKind;
  /** "up": device -> host, "down": host -> device. */
  direction: Direction;
  /** MQTT QoS the sender uses. */
  qos: 0 | 1;
  /** Published retained (status: last known state; ota/offer: the current offer). */
  retain: boolean;
  /** Only devices (not groups) may be the target of up kinds. */
  what: string;
}

export const TOPIC_KINDS: TopicKindInfo[] = [
  { kind: "det", direction: "up", qos: 1, retain: false, what: "detection event" },
  { kind: "tel", direction: "up", qos: 0, retain: false, what: "periodic telemetry" },
  { kind: "status", direction: "up", qos: 1, retain: true, what: "online/offline (last will)" },
  { kind: "ack", direction: "up", qos: 1, retain: false, what: "command acknowledgement" },
  { kind: "ota/req", direction: "up", qos: 1, retain: false, what: "missing OTA chunks" },
  { kind: "ota/report", direction: "up", qos: 1, retain: false, what: "OTA outcome" },
  { kind: "cmd", direction: "down", qos: 1, retain: false, what: "runtime command" },
  { kind: "ota/offer", direction: "down", qos: 1, retain: true, what: "signed OTA manifest" },
  { kind: "ota/chunk", direction: "down", qos: 1, retain: false, what: "OTA artifact chunk" },
];

export type Target =
  | { scope: "device"; id: string }
  | { scope: "fleet" }
  | { scope: "cohort"; id: string };

export interface ParsedTopic {
  fleet: string;
  target: Target;
  kind: TopicKind;
  info: TopicKindInfo;
}

export function kindInfo(kind: string): TopicKindInfo | undefined {
  for (let i = 0; i < TOPIC_KINDS.length; i++) {
    if (TOPIC_KINDS[i].kind === kind) return TOPIC_KINDS[i];
  }
  return undefined;
}

function isIdChar(c: number): boolean {
  return (
    (c >= 48 && c <= 57) || // 0-9
    (c >= 65 && c <= 90) || // A-Z
    (c >= 97 && c <= 122) || // a-z
    c === 45 || // -
    c === 46 || // .
    c === 95 // _
  );
}

function isAlnum(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
}

/** Device and fleet ids: 1..64 chars of [A-Za-z0-9._-], starting with a letter or digit. */
export function isValidId(id: string): boolean {
  if (typeof id !== "string" || id.length === 0 || id.length > MAX_ID_LENGTH) return false;
  if (!isAlnum(id.charCodeAt(0))) return false;
  for (let i = 1; i < id.length; i++) {
    if (!isIdChar(id.charCodeAt(i))) return false;
  }
  return true;
}

function checkId(what: string, id: string): void {
  if (!isValidId(id)) {
    const shown = typeof id === "string" ? `"${id.substring(0, 80)}"` : "(not a string)";
    throw protocolError(
      "topic",
      `invalid ${what} id ${shown}: want 1..${MAX_ID_LENGTH} chars of A-Z a-z 0-9 . _ - starting with a letter or digit`,
      what,
      -1,
    );
  }
}

function checkKind(kind: string): TopicKindInfo {
  const info = kindInfo(kind);
  if (info === undefined) throw protocolError("topic", `unknown topic kind "${kind}"`, "kind", -1);
  return info;
}

function targetSegment(target: Target): string {
  if (target.scope === "fleet") return FLEET_GROUP;
  if (target.scope === "cohort") {
    checkId("cohort", target.id);
    return COHORT_PREFIX + target.id;
  }
  checkId("device", target.id);
  return target.id;
}

/** Topic for `kind` addressed to `target`; up kinds only exist on device targets. */
export function topicFor(fleet: string, target: Target, kind: TopicKind): string {
  checkId("fleet", fleet);
  const info = checkKind(kind);
  if (info.direction === "up" && target.scope !== "device") {
    throw protocolError("topic", `"${kind}" is published by devices only`, "target", -1);
  }
  return `${TOPIC_ROOT}/${TOPIC_VERSION}/${fleet}/${targetSegment(target)}/${kind}`;
}

export function deviceTopic(fleet: string, device: string, kind: TopicKind): string {
  return topicFor(fleet, { scope: "device", id: device }, kind);
}

export function fleetTopic(fleet: string, kind: TopicKind): string {
  return topicFor(fleet, { scope: "fleet" }, kind);
}

export function cohortTopic(fleet: string, cohort: string, kind: TopicKind): string {
  return topicFor(fleet, { scope: "cohort", id: cohort }, kind);
}

/** Longest valid topic: root, version, two ids, a group prefix and the longest kind. */
export const MAX_TOPIC_LENGTH = 7 + 1 + 2 + 1 + MAX_ID_LENGTH + 1 + 3 + MAX_ID_LENGTH + 1 + 10;

/**
 * Parse and validate a concrete topic (no wildcards). Anything hostile (wrong root/version,
 * empty or oversized segments, wildcards, unknown kinds, up kinds on group targets) throws a
 * ProtocolError naming the segment.
 */
export function parseTopic(topic: string): ParsedTopic {
  if (typeof topic !== "string") throw protocolError("topic", "topic is not a string", "", -1);
  if (topic.length > MAX_TOPIC_LENGTH) {
    throw protocolError("topic", `topic longer than ${MAX_TOPIC_LENGTH} chars`, "", -1);
  }
  const parts = topic.split("/");
  if (parts.length !== 5 && parts.length !== 6) {
    throw protocolError("topic", `topic has ${parts.length} segments, want 5 or 6`, "", -1);
  }
  if (parts[0] !== TOPIC_ROOT)
    throw protocolError("topic", "topic root is not earshot", "root", -1);
  if (parts[1] !== TOPIC_VERSION) {
    throw protocolError("topic", `unsupported topic version "${parts[1]}"`, "version", -1);
  }
  const fleet = parts[2];
  checkId("fleet", fleet);
  const seg = parts[3];
  let target: Target;
  if (seg === FLEET_GROUP) {
    target = { scope: "fleet" };
  } else if (seg.substring(0, COHORT_PREFIX.length) === COHORT_PREFIX) {
    const id = seg.substring(COHORT_PREFIX.length);
    checkId("cohort", id);
    target = { scope: "cohort", id };
  } else {
    checkId("device", seg);
    target = { scope: "device", id: seg };
  }
  const kind = parts.length === 5 ? parts[4] : `${parts[4]}/${parts[5]}`;
  const info = checkKind(kind);
  if (info.direction === "up" && target.scope !== "device") {
    throw protocolError("topic", `"${kind}" is published by devices only`, "target", -1);
  }
  return { fleet, target, kind: info.kind, info };
}

/**
 * What a device subscribes to: its own down kinds, the fleet-wide group, and the cohorts it
 * belongs to (staged rollouts address `_c.{cohort}`).
 */
export function deviceSubscriptions(fleet: string, device: string, cohorts?: string[]): string[] {
  checkId("fleet", fleet);
  checkId("device", device);
  const base = `${TOPIC_ROOT}/${TOPIC_VERSION}/${fleet}`;
  const groups = [device, FLEET_GROUP];
  if (cohorts !== undefined) {
    for (let i = 0; i < cohorts.length; i++) {
      checkId("cohort", cohorts[i]);
      groups.push(COHORT_PREFIX + cohorts[i]);
    }
  }
  const out: string[] = [];
  for (let i = 0; i < groups.length; i++) {
    out.push(`${base}/${groups[i]}/cmd`);
    out.push(`${base}/${groups[i]}/ota/#`);
  }
  return out;
}

/**
 * Filter the host uses to receive an up kind from every device (of one fleet, or all fleets).
 * Wrap as `$share/{group}/{filter}` for MQTT 5 shared subscriptions.
 */
export function hostFilter(kind: TopicKind, fleet?: string): string {
  const info = checkKind(kind);
  if (info.direction !== "up")
    throw protocolError("topic", `"${kind}" is not sent by devices`, "kind", -1);
  if (fleet !== undefined) checkId("fleet", fleet);
  return `${TOPIC_ROOT}/${TOPIC_VERSION}/${fleet === undefined ? "+" : fleet}/+/${kind}`;
}

/** Every up topic a device may publish on (for broker ACLs: `pattern write ...`). */
export function deviceUpTopics(fleet: string, device: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < TOPIC_KINDS.length; i++) {
    if (TOPIC_KINDS[i].direction === "up")
      out.push(deviceTopic(fleet, device, TOPIC_KINDS[i].kind));
  }
  return out;
}
