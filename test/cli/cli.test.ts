import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";

const cli = (...args: string[]) =>
  spawnSync(process.execPath, ["bin/earshot.js", ...args], { encoding: "utf8", timeout: 60_000 });

describe("earshot CLI", () => {
  it("prints help listing the command groups", () => {
    const r = cli("--help");
    expect(r.status).toBe(0);
    for (const c of ["doctor", "data", "features", "train"]) expect(r.stdout).toContain(c);
  });

  it("rejects an unknown flag with a usage error and non-zero exit", () => {
    const r = cli("doctor", "--no-such-flag");
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/unknown option '--no-such-flag'/);
  });

  it("train --replicas: a bad count or a compressed model is a one-line error", () => {
    const base = [
      "train",
      "--data",
      "/nonexistent",
      "--model",
      "res8-narrow",
      "--out",
      "/nonexistent/out",
    ];
    const zero = cli(...base, "--replicas", "0");
    expect(zero.status).not.toBe(0);
    expect(zero.stderr.trim()).toBe("earshot: --replicas must be an integer in 1..16 (got '0')");
    const qat = cli(...base, "--replicas", "2", "--precision", "int8");
    expect(qat.status).not.toBe(0);
    expect(qat.stderr).toMatch(/--replicas > 1 trains float models only/);
    const int8Layers = cli(...base, "--precision", "int8", "--int8-layers", "down0");
    expect(int8Layers.status).not.toBe(0);
    expect(int8Layers.stderr.trim()).toBe(
      "earshot: --int8-layers applies to --precision binary only",
    );
  });

  it("train --model-config: a typo, a non-object or bad JSON is a one-line error", () => {
    const base = ["train", "--data", "/nonexistent", "--model", "res8-bin", "--out", "/x/out"];
    const typo = cli(...base, "--model-config", '{"filter":32}');
    expect(typo.status).not.toBe(0);
    expect(typo.stderr.trim()).toBe(
      "earshot: res8-bin has no hyperparameter filter (it has: filters, stemFilters, blocks, kernel, downsample, relu)",
    );
    const list = cli(...base, "--model-config", "[32]");
    expect(list.stderr.trim()).toBe("earshot: --model-config expects a JSON object (got '[32]')");
    const bad = cli(...base, "--model-config", "{filters:32}");
    expect(bad.stderr.trim()).toMatch(/^earshot: --model-config: .*JSON/);
  });

  it("doctor --json reports node, backend and each engine with a hint when missing", () => {
    const r = cli("doctor", "--json");
    expect(r.status).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report.node).toBe(process.version);
    expect(["tensorflow", "wasm", "cpu"]).toContain(report.trainingBackend.name);
    const names = report.engines.map((e: { name: string }) => e.name);
    for (const n of [
      "duk",
      "lua5.3",
      "wasm-interp",
      "mosquitto",
      "chromium",
      "espruino",
      "espruino-native",
      "jerryscript",
      "jerryscript-native",
      "wasm3",
    ])
      expect(names).toContain(n);
    for (const e of report.engines) {
      if (!e.installed) expect(e.hint).toMatch(/apt-get install|deploy\/engines\.sh/);
    }
  });

  it("doctor names the host kernels: the native addon, or wasm with the reason", () => {
    const on = JSON.parse(cli("doctor", "--json").stdout).native;
    expect(["native", "wasm-simd"]).toContain(on.path);
    const off = spawnSync(process.execPath, ["bin/earshot.js", "doctor", "--json"], {
      encoding: "utf8",
      timeout: 60_000,
      env: { ...process.env, EARSHOT_NATIVE: "0" },
    });
    expect(JSON.parse(off.stdout).native).toEqual({
      path: "wasm-simd",
      reason: "EARSHOT_NATIVE=0",
    });
  });
});
