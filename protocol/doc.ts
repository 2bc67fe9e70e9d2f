/** Markdown tables of every message, generated from the field tables (protocol/README.md embeds them). */
import { MESSAGE_KINDS, MESSAGES } from "./messages";
import { type FieldTable, maxOf } from "./wire/fields";

function typeCell(f: FieldTable[number]): string {
  if (f.type === "enum") return `enum(${(f.values ?? []).join(" \\| ")})`;
  if (f.type === "list")
    return `list ≤${maxOf(f)} of {${(f.of ?? []).map((g) => `${g.name}${g.optional ? "?" : ""}: ${g.type}`).join(", ")}}`;
  if (f.type === "str" || f.type === "bytes" || f.type === "i8s" || f.type === "varints") {
    return `${f.type} ≤${maxOf(f)}`;
  }
  return f.type;
}

export function messageTablesMarkdown(): string {
  const out: string[] = [];
  for (const kind of MESSAGE_KINDS) {
    const m = MESSAGES[kind];
    out.push(
      `### ${kind} (type ${m.code})`,
      "",
      "| field | wire type | optional | meaning |",
      "| --- | --- | --- | --- |",
    );
    for (const f of m.fields as FieldTable) {
      out.push(`| ${f.name} | ${typeCell(f)} | ${f.optional ? "yes" : ""} | ${f.doc ?? ""} |`);
    }
    out.push("");
  }
  return out.join("\n");
}
