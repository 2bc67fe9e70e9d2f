/**
 * The API token at rest: the first start creates it and keeps only its SHA-256 (0600); the token
 * is known to that start alone (it prints it once); later starts check against the hash;
 * clients take it from EARSHOT_TOKEN and say so when pointed at a hash; an older plain token
 * file still works on both sides.
 */
import { mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import {
  bearerMatches,
  clientApiToken,
  serviceApiToken,
  storedApiToken,
  tokenHash,
} from "../../host/fleet/api-token";
import { openStore } from "../../host/fleet/store/open";

const saved = { t: process.env.EARSHOT_TOKEN, a: process.env.EARSHOT_API_TOKEN };
afterEach(() => {
  for (const [k, v] of [
    ["EARSHOT_TOKEN", saved.t],
    ["EARSHOT_API_TOKEN", saved.a],
  ] as const) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
});

describe("API token storage", () => {
  it("is created once, printed by that start only, and stored hashed", () => {
    delete process.env.EARSHOT_TOKEN;
    delete process.env.EARSHOT_API_TOKEN;
    const file = join(mkdtempSync(join(tmpdir(), "earshot-token-")), "sub", "api-token");
    const first = serviceApiToken(file);
    expect(first.created).toBe(true);
    const token = first.token ?? "";
    expect(token.length).toBeGreaterThanOrEqual(16);
    expect(readFileSync(file, "utf8").trim()).toBe(`sha256:${tokenHash(token)}`);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const again = serviceApiToken(file);
    expect(again).toMatchObject({ created: false, hash: first.hash });
    expect(again.token).toBeUndefined();
    expect(bearerMatches(`Bearer ${token}`, again.hash)).toBe(true);
    expect(bearerMatches(`Bearer ${token}x`, again.hash)).toBe(false);
    expect(() => clientApiToken(file)).toThrow(
      /holds only the API token's hash: set EARSHOT_TOKEN/,
    );
    process.env.EARSHOT_TOKEN = token;
    expect(clientApiToken(file)).toBe(token);
  });

  it("kept with the database: the first start of a database creates it, later ones check it", async () => {
    const store = await openStore({});
    try {
      const first = await storedApiToken(store.driver);
      expect(first.created).toBe(true);
      const again = await storedApiToken(store.driver);
      expect(again).toMatchObject({ created: false, hash: first.hash });
      expect(again.token).toBeUndefined();
      expect(bearerMatches(`Bearer ${first.token}`, again.hash)).toBe(true);
      const rows = await store.driver.query<{ hash: string }>("SELECT hash FROM api_token");
      expect(rows.rows).toEqual([{ hash: tokenHash(first.token ?? "") }]);
    } finally {
      await store.close();
    }
  });

  it("still reads an older token file holding the token itself", () => {
    delete process.env.EARSHOT_TOKEN;
    delete process.env.EARSHOT_API_TOKEN;
    const file = join(mkdtempSync(join(tmpdir(), "earshot-token-")), "api-token");
    writeFileSync(file, "plain-token-from-an-older-serve\n", { mode: 0o600 });
    expect(clientApiToken(file)).toBe("plain-token-from-an-older-serve");
    const s = serviceApiToken(file);
    expect(bearerMatches("Bearer plain-token-from-an-older-serve", s.hash)).toBe(true);
  });
});
