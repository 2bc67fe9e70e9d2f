import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { messageTablesMarkdown } from "../../protocol/doc";

describe("protocol/README.md", () => {
  it("embeds the message tables generated from messages.ts", () => {
    const readme = readFileSync(resolve(__dirname, "../../protocol/README.md"), "utf8");
    const m = /<!-- tables:start -->\n([\s\S]*)<!-- tables:end -->/.exec(readme);
    expect(m, "table markers").not.toBeNull();
    expect(m?.[1]).toBe(messageTablesMarkdown());
  });
});
