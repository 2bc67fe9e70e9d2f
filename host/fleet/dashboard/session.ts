/**
 * Browser sessions for the dashboard: `/?token=TOKEN` once (the token `fleet serve` printed)
 * sets an HttpOnly cookie holding a random session id, then redirects to `/` so the token leaves
 * the address bar and history. Sessions live in the service's memory: a restart asks again.
 */
import { randomBytes, timingSafeEqual } from "node:crypto";

export const SESSION_COOKIE = "earshot_session";
const MAX_SESSIONS = 1000;

export class Sessions {
  private readonly ids: string[] = [];

  create(): string {
    const id = randomBytes(24).toString("base64url");
    this.ids.push(id);
    if (this.ids.length > MAX_SESSIONS) this.ids.shift();
    return id;
  }

  /** Whether the Cookie header carries a live session. */
  valid(cookieHeader: string | undefined): boolean {
    const m = new RegExp(`(?:^|;\\s*)${SESSION_COOKIE}=([A-Za-z0-9_-]+)`).exec(cookieHeader ?? "");
    if (!m) return false;
    const got = Buffer.from(m[1]);
    return this.ids.some((id) => {
      const want = Buffer.from(id);
      return want.length === got.length && timingSafeEqual(want, got);
    });
  }

  cookie(id: string): string {
    return `${SESSION_COOKIE}=${id}; HttpOnly; SameSite=Strict; Path=/`;
  }
}
