/**
 * The service's MQTT client ids. Whoever connects with an ingest session's client id takes the
 * session, and with it the messages meant for the store; mosquitto 2.0 cannot tie client ids to
 * usernames without a plugin. So the ids carry a tag derived from the service's broker password:
 * stable across restarts (the persistent session is found again), the same for every process of
 * one group, and not guessable by a device that lacks the password.
 */
import { createHash } from "node:crypto";

/** `${group}-${worker}-${tag}`, or without a tag when the broker URL has no password. */
export function serviceClientIds(url: string, group: string) {
  const password = decodeURIComponent(new URL(url).password);
  const tag = password
    ? `-${createHash("sha256").update(`earshot-client-id\0${group}\0${password}`).digest("hex").slice(0, 16)}`
    : "";
  return {
    ingest: (worker: number) => `${group}-${worker}${tag}`,
    control: `${group}-ctl-${process.pid}${tag}`,
  };
}
