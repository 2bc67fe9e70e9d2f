/** Request bodies checked against their zod schema; the first problem becomes a 400 line. */
import type { z } from "zod";
import { FleetError } from "./errors";

export function parseBody<T extends z.ZodType>(schema: T, body: unknown, what: string): z.infer<T> {
  const parsed = schema.safeParse(body);
  if (!parsed.success) {
    const i = parsed.error.issues[0];
    throw new FleetError(`${what}: ${i.path.join(".") || "body"}: ${i.message}`);
  }
  return parsed.data;
}
