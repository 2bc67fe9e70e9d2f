import { describe, expect, it } from "vitest";
import { ProtocolError } from "../../protocol/errors";
import {
  cohortTopic,
  deviceSubscriptions,
  deviceTopic,
  deviceUpTopics,
  fleetTopic,
  hostFilter,
  parseTopic,
  TOPIC_KINDS,
} from "../../protocol/topics";

describe("topic builders", () => {
  it("build the v1 scheme for devices, the fleet group and cohorts", () => {
    expect(deviceTopic("home", "node-7", "det")).toBe("earshot/v1/home/node-7/det");
    expect(deviceTopic("home", "node-7", "ota/chunk")).toBe("earshot/v1/home/node-7/ota/chunk");
    expect(fleetTopic("home", "ota/offer")).toBe("earshot/v1/home/_all/ota/offer");
    expect(cohortTopic("home", "canary", "cmd")).toBe("earshot/v1/home/_c.canary/cmd");
  });

  it("refuse up kinds on group targets and bad ids", () => {
    expect(() => fleetTopic("home", "det")).toThrow(/published by devices only/);
    expect(() => deviceTopic("home", "_all", "det")).toThrow(ProtocolError);
    expect(() => deviceTopic("home", "a/b", "det")).toThrow(/invalid device id/);
    expect(() => deviceTopic("", "a", "det")).toThrow(/invalid fleet id/);
  });

  it("list subscriptions, host filters and a device's publish topics", () => {
    expect(deviceSubscriptions("f", "d")).toEqual([
      "earshot/v1/f/d/cmd",
      "earshot/v1/f/d/ota/#",
      "earshot/v1/f/_all/cmd",
      "earshot/v1/f/_all/ota/#",
    ]);
    expect(deviceSubscriptions("f", "d", ["canary"]).slice(4)).toEqual([
      "earshot/v1/f/_c.canary/cmd",
      "earshot/v1/f/_c.canary/ota/#",
    ]);
    expect(() => deviceSubscriptions("f", "d", ["bad/x"])).toThrow(/cohort id/);
    expect(hostFilter("det")).toBe("earshot/v1/+/+/det");
    expect(hostFilter("ota/report", "f")).toBe("earshot/v1/f/+/ota/report");
    expect(() => hostFilter("cmd")).toThrow(/not sent by devices/);
    const up = TOPIC_KINDS.filter((k) => k.direction === "up").map((k) => k.kind);
    expect(deviceUpTopics("f", "d")).toEqual(up.map((k) => `earshot/v1/f/d/${k}`));
  });
});

describe("parseTopic", () => {
  it("round-trips every kind on every target it allows", () => {
    for (const info of TOPIC_KINDS) {
      const t = deviceTopic("fleet-1", "dev.42", info.kind);
      expect(parseTopic(t)).toMatchObject({
        fleet: "fleet-1",
        target: { scope: "device", id: "dev.42" },
        kind: info.kind,
      });
      if (info.direction === "down") {
        expect(parseTopic(fleetTopic("f", info.kind)).target).toEqual({ scope: "fleet" });
        expect(parseTopic(cohortTopic("f", "c1", info.kind)).target).toEqual({
          scope: "cohort",
          id: "c1",
        });
      }
    }
  });

  const hostile: [string, string][] = [
    ["", "segments"],
    ["earshot/v1/f/d", "segments"],
    ["earshot/v1/f/d/ota/chunk/extra", "segments"],
    ["other/v1/f/d/det", "root"],
    ["earshot/v2/f/d/det", "version"],
    ["earshot/v1/+/d/det", "fleet id"],
    ["earshot/v1/f/#/det", "device id"],
    ["earshot/v1/f//det", "device id"],
    ["earshot/v1//d/det", "fleet id"],
    [`earshot/v1/f/${"x".repeat(65)}/det`, "device id"],
    [`earshot/v1/f/${"x".repeat(5000)}/det`, "longer than"],
    ["earshot/v1/f/d/nope", "unknown topic kind"],
    ["earshot/v1/f/d/ota/+", "unknown topic kind"],
    ["earshot/v1/f/_all/det", "devices only"],
    ["earshot/v1/f/_c./cmd", "cohort id"],
    ["earshot/v1/f/_x/cmd", "device id"],
    ["earshot/v1/f/d\u0000/det", "device id"],
  ];
  for (const [topic, why] of hostile) {
    it(`rejects ${JSON.stringify(topic.slice(0, 40))}`, () => {
      expect(() => parseTopic(topic)).toThrow(ProtocolError);
      expect(() => parseTopic(topic)).toThrow(new RegExp(why));
    });
  }
});
