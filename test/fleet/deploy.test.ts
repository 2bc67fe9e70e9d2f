/**
 * deploy/ stays in step with the code: the committed mosquitto ACL is what the protocol's topic
 * table generates, the compose file parses and wires shared-subscription ingest to PostgreSQL,
 * and `earshot fleet broker-config` writes a hashed password file mosquitto accepts.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { mayPublish, maySubscribe, mosquittoAcl, SERVICE_USER } from "../../host/fleet/broker/acl";

const run = promisify(execFile);

describe("deploy", () => {
  it("deploy/mosquitto/acl is the ACL generated from protocol/topics.ts", () => {
    expect(readFileSync("deploy/mosquitto/acl", "utf8")).toBe(mosquittoAcl());
  });

  it("the embedded broker's rules match the ACL's intent", () => {
    expect(mayPublish("d1", "earshot/v1/plant/d1/det")).toBe(true);
    expect(mayPublish("d1", "earshot/v1/plant/d2/det")).toBe(false);
    expect(mayPublish("d1", "earshot/v1/plant/d1/ota/offer")).toBe(false);
    expect(mayPublish("d1", "earshot/v1/plant/_all/ota/chunk")).toBe(false);
    expect(mayPublish("d1", "earshot/v1/plant/d1/ota/report")).toBe(true);
    expect(mayPublish(SERVICE_USER, "earshot/v1/plant/_all/ota/offer")).toBe(true);
    expect(maySubscribe("d1", "earshot/v1/plant/d1/ota/#")).toBe(true);
    expect(maySubscribe("d1", "earshot/v1/plant/_all/cmd")).toBe(true);
    expect(maySubscribe("d1", "earshot/v1/plant/d2/cmd")).toBe(false);
    expect(maySubscribe("d1", "earshot/v1/+/+/det")).toBe(false);
    expect(maySubscribe("d1", "earshot/#")).toBe(false);
  });

  it("the cluster compose file parses and runs shared-subscription ingest on PostgreSQL", () => {
    // Compose resolves YAML merge keys (<<); so must the check.
    const doc = parse(readFileSync("deploy/cluster/compose.yaml", "utf8"), { merge: true });
    expect(Object.keys(doc.services).sort()).toEqual(["emqx1", "emqx2", "ingest", "postgres"]);
    const cmd: string[] = doc.services.ingest.command;
    expect(cmd.slice(0, 2)).toEqual(["fleet", "serve"]);
    expect(cmd[cmd.indexOf("--pg") + 1]).toMatch(/^postgres:\/\//);
    expect(Number(cmd[cmd.indexOf("--workers") + 1])).toBeGreaterThan(1);
    // No secret in argv: the broker and database passwords come by environment.
    expect(cmd.join(" ")).not.toMatch(/:\/\/[^/@\s]+:[^@\s]+@/);
    expect(Object.keys(doc.services.ingest.environment).sort()).toEqual([
      "EARSHOT_API_TOKEN",
      "EARSHOT_MQTT_PASSWORD",
      "PGPASSWORD",
    ]);
    expect(doc.services.ingest.deploy.replicas).toBeGreaterThan(1);
    expect(doc.services.emqx1.environment.EMQX_AUTHORIZATION__NO_MATCH).toBe("deny");
  });

  it("broker-config writes hashed per-device passwords and 0600 secrets", async () => {
    const out = join(mkdtempSync(join(tmpdir(), "earshot-bc-")), "broker");
    const { stdout } = await run(process.execPath, [
      "bin/earshot.js",
      "fleet",
      "broker-config",
      "--out",
      out,
      "--devices",
      "n1,n2",
      "--fleet",
      "plant",
      "--port",
      "18999",
      "--json",
    ]);
    const r = JSON.parse(stdout);
    const passwd = readFileSync(r.passwordFile, "utf8").trim().split("\n");
    expect(passwd.map((l) => l.split(":")[0]).sort()).toEqual([SERVICE_USER, "n1", "n2"].sort());
    const creds = JSON.parse(readFileSync(r.credentials, "utf8"));
    for (const l of passwd) {
      const [user, hash] = l.split(":");
      expect(hash).toMatch(/^\$\d+\$/); // mosquitto_passwd hash, not the password
      expect(l).not.toContain(creds[user]);
    }
    expect(statSync(r.passwordFile).mode & 0o077).toBe(0);
    expect(statSync(r.credentials).mode & 0o077).toBe(0);
    expect(readFileSync(r.conf, "utf8")).toMatch(/listener 18999 127\.0\.0\.1/);
    const acl = readFileSync(r.aclFile, "utf8");
    expect(acl).toContain("user n1\ntopic write earshot/v1/plant/n1/det\n");
    expect(acl).not.toMatch(/^pattern|\/\+\//m); // no fleet wildcard anywhere
  });
});
