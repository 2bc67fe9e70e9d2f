/** Request bodies checked against their zod schema; the first problem becomes a 400 line. */
import type { z } from "zod";

export function parseBody<T extends z.ZodType>(schema: T, body: unknown, what: string): z.infer<T> {
  const parsed = schema.safeParse(body);
  if (!parsed.success) {
    const i = parsed.error.issues[0];
    throw Object.assign(new Error(`${what}: ${i.path.join(".") || "body"}: ${i.message}`), {
      expected: true,
    });
  }
  return parsed.data;
}
