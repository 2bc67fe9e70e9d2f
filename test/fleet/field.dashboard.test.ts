/**
 * The dashboard in a real browser (Debian's chromium, installed by deploy/install-test-deps.sh,
 * driven by playwright-core): `/?token=` once starts a session; after its scripts ran, the page
 * shows the same numbers as the JSON API; without the token nothing answers. The test writes a
 * screenshot to test-results/dashboard.png.
 */
import { existsSync, mkdirSync } from "node:fs";
import { type Browser, chromium } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { MqttDevice } from "../../device/transport/mqttjs";
import { generateCredentials } from "../../host/fleet/broker/credentials";
import { FleetService } from "../../host/fleet/service";
import { bearer, testDevice, waitFor } from "./devices";
import { KEYWORD, verifier, windows } from "./field-fixtures";
import { freePort } from "./mosquitto";

const CHROMIUM = process.env.EARSHOT_CHROMIUM ?? "/usr/bin/chromium";
const IDS = ["n1", "n2", "n3"];

describe("dashboard in chromium", () => {
  const passwords = generateCredentials(IDS);
  let service: FleetService;
  let browser: Browser;
  let devices: MqttDevice[] = [];
  let http = "";

  beforeAll(async () => {
    if (!existsSync(CHROMIUM))
      throw new Error(
        `${CHROMIUM} missing: run deploy/install-test-deps.sh (or set EARSHOT_CHROMIUM)`,
      );
    service = new FleetService({
      embeddedBrokerPort: await freePort(),
      httpPort: 0,
      credentials: passwords,
      deviceFleets: new Map(IDS.map((id) => [id, "home"])),
      verifier,
      log: () => {},
    });
    const urls = await service.start();
    http = urls.http;
    devices = IDS.map((id) => testDevice(urls.mqtt, "home", id, passwords.get(id)));
    // n1 hears one true and two false keywords (by the verifier's standard), n2 one true.
    const send = (i: number, ok: boolean) =>
      devices[i].link.detection({
        keyword: KEYWORD,
        score: 0.9,
        featureShape: [9, 10],
        features: ok ? windows.accepted : windows.rejected,
        featureScale: 0.05,
      });
    send(0, true);
    send(0, false);
    send(0, false);
    send(1, true);
    await waitFor(
      "stored and verified",
      async () => (await api<{ cohorts: { verified: number }[] }>("/api/quality")).cohorts,
      (c) => c.reduce((a, x) => a + x.verified, 0) === 4,
    );
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox"] });
  });
  afterAll(async () => {
    await browser?.close();
    await Promise.all(devices.map((d) => d.close()));
    await service?.stop();
  });

  async function api<T>(path: string): Promise<T> {
    return (await (await fetch(`${http}${path}`, bearer(service.apiToken))).json()) as T;
  }

  it("answers nothing without the token", async () => {
    expect((await fetch(`${http}/`)).status).toBe(401);
    expect((await fetch(`${http}/api/quality`)).status).toBe(401);
    expect((await fetch(`${http}/?token=wrong`, { redirect: "manual" })).status).toBe(401);
    expect(
      (await fetch(`${http}/api/summary`, { headers: { cookie: "earshot_session=forged" } }))
        .status,
    ).toBe(401);
  });

  it("shows the device count and quality figures the API gives, after /?token= once", async () => {
    const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    await page.goto(`${http}/?token=${service.apiToken}`, { timeout: 90_000 });
    expect(new URL(page.url()).search).toBe(""); // the token left the address bar
    await page.waitForSelector("body[data-ready='1']", { timeout: 90_000 });
    const summary = await api<{ devices: number; detections: number }>("/api/summary");
    expect(summary.devices).toBe(3);
    expect(await page.textContent("#devices")).toBe(String(summary.devices));
    expect(await page.textContent("#detections")).toBe(String(summary.detections));
    const quality = await api<{
      cohorts: { model: string; fa_per_hour_estimate: number | null }[];
    }>("/api/quality");
    const cells = await page.$$eval("#quality tbody tr", (trs) =>
      trs.map((tr) => [...tr.querySelectorAll("td")].map((td) => td.textContent)),
    );
    expect(cells.map((c) => c[1])).toEqual(quality.cohorts.map((c) => c.model));
    expect(cells.map((c) => c[5])).toEqual(
      quality.cohorts.map((c) =>
        c.fa_per_hour_estimate === null ? "n/a" : c.fa_per_hour_estimate.toFixed(1),
      ),
    );
    expect(await page.$$("#timeline svg, #scores svg")).toHaveLength(2);
    // The session cookie, not the token, opens the page again.
    await page.goto(`${http}/`, { timeout: 90_000 });
    await page.waitForSelector("body[data-ready='1']", { timeout: 90_000 });
    // The session only reads: a POST with its cookie still wants the token.
    const cookie = (await page.context().cookies()).map((c) => `${c.name}=${c.value}`).join("; ");
    expect((await fetch(`${http}/api/summary`, { headers: { cookie } })).status).toBe(200);
    const post = await fetch(`${http}/api/commands`, {
      method: "POST",
      headers: { cookie },
      body: "{}",
    });
    expect(post.status).toBe(401);
    mkdirSync("test-results", { recursive: true });
    await page.screenshot({ path: "test-results/dashboard.png", fullPage: true });
    expect(existsSync("test-results/dashboard.png")).toBe(true);
    // Two page loads that render charts in a browser: on a host whose cores other jobs hold,
    // they took more than the suite's 60 s (a CI run beside a training run).
  }, 240_000);
});
