/**
 * The service's HTTP face (node:http, no framework: a handful of GET routes and one POST):
 *   GET  /api/summary            device, detection, duplicate, rejected counts
 *   GET  /api/devices[?fleet=]   devices with their latest state
 *   GET  /api/detections?device=&fleet=&after=&limit=   detections by id cursor
 *   GET  /api/ota/status         deployments with the outcomes devices reported
 *   POST /api/ota/publish        a signed artifact from `earshot ota publish`
 *   GET  /metrics                Prometheus text format
 *   GET  /api/quality[?model=ID&fleet=F&devices=1]   field quality per cohort and model (field/)
 *   GET  /api/quality/timeline   detections and estimated false accepts per minute
 *   GET  /api/near-misses[?model=ID&limit=N]   captured near-miss windows (no features)
 *   POST /api/ota/rollout        start a staged rollout;  GET /api/ota/rollouts: their states
 *   POST /api/commands           relay a signed command;  GET /api/commands[?cmd=ID]: with acks
 *   GET  /                       the dashboard (HTML); /assets/*.js its vega scripts
 * Every route but /assets wants `Authorization: Bearer TOKEN` (api-token.ts) or the dashboard's
 * session cookie (`/?token=TOKEN` once sets it); without: 401, and no body is read.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { isEarshotError } from "../../shared/errors";
import { bearerMatches, tokenMatches } from "./api-token";
import { asset } from "./dashboard/assets";
import { DASHBOARD_HTML } from "./dashboard/page";
import { Sessions } from "./dashboard/session";
import { FleetError } from "./errors";
import type { FleetMetrics } from "./ingest/metrics";
import type { Store } from "./store/types";

export type PublishHandler = (body: unknown) => Promise<unknown>;

/** The field loop's routes (host/fleet/field), absent in a bare API. */
export interface FieldRoutes {
  quality(q: { model?: string; fleet?: string; perDevice: boolean }): Promise<unknown>;
  timeline(bucketS: number | undefined, fleet?: string): Promise<unknown>;
  nearMisses(q: { model?: string; limit?: number; fleet?: string }): Promise<unknown>;
  rollout(body: unknown): Promise<unknown>;
  rollouts(): Promise<{ id: number; deploymentId: number | null }[]>;
  command(body: unknown): Promise<unknown>;
  commands(cmdId?: number): Promise<unknown>;
  calibration(q: { fleet: string; device?: string; cohort?: string }): Promise<unknown>;
  windows(q: { model: string; fleet?: string; limit?: number }): Promise<unknown>;
}

export interface HttpDeps {
  store: Store;
  metrics: FleetMetrics;
  publish?: PublishHandler;
  field?: FieldRoutes;
  /** SHA-256 (hex) of the bearer token every request must carry. */
  tokenHash: string;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Largest request body: a publish carries one model file in base64 (device slots hold a few
 * hundred KB). Parsing and hashing tens of MB blocks the event loop for seconds.
 */
export const MAX_BODY = 4 * 1024 * 1024;

function readBody(req: IncomingMessage): Promise<unknown> {
  if (Number(req.headers["content-length"] ?? 0) > MAX_BODY) {
    req.resume(); // discard without buffering
    return Promise.reject(new HttpError(413, `body larger than ${MAX_BODY} bytes`));
  }
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    let n = 0;
    req.on("data", (c: Buffer) => {
      n += c.length;
      if (n > MAX_BODY) {
        reject(new HttpError(413, `body larger than ${MAX_BODY} bytes`));
        req.destroy();
      } else parts.push(c);
    });
    req.on("end", () => {
      try {
        resolve(JSON.parse(Buffer.concat(parts).toString("utf8")));
      } catch {
        reject(new HttpError(400, "body is not JSON"));
      }
    });
    req.on("error", reject);
  });
}

function intParam(q: URLSearchParams, name: string): number | undefined {
  const v = q.get(name);
  if (v === null) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0)
    throw new HttpError(400, `${name} must be a non-negative integer`);
  return n;
}

function field(deps: HttpDeps): FieldRoutes {
  if (!deps.field) throw new HttpError(404, "this service has no field-quality routes");
  return deps.field;
}

async function route(
  deps: HttpDeps,
  sessions: Sessions,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<unknown> {
  const url = new URL(req.url ?? "/", "http://localhost");
  const get = req.method === "GET";
  const script = get ? asset(url.pathname) : undefined;
  if (script) {
    res.writeHead(200, {
      "content-type": "text/javascript",
      "cache-control": "max-age=3600",
    });
    res.end(script);
    return undefined;
  }
  const q = url.searchParams;
  if (get && url.pathname === "/" && q.has("token")) {
    // The dashboard's one-time login: token in, session cookie out, token out of the URL.
    if (!tokenMatches(q.get("token") ?? "", deps.tokenHash))
      throw new HttpError(401, "wrong token");
    res.writeHead(303, { location: "/", "set-cookie": sessions.cookie(sessions.create()) });
    res.end();
    return undefined;
  }
  // A dashboard session reads; changing anything (publish, rollout, commands) takes the token.
  const session = get && sessions.valid(req.headers.cookie);
  if (!bearerMatches(req.headers.authorization, deps.tokenHash) && !session) {
    res.setHeader("www-authenticate", 'Bearer realm="earshot"');
    throw new HttpError(
      401,
      url.pathname === "/"
        ? "open /?token=TOKEN once (the token `earshot fleet serve` printed)"
        : "missing or wrong API token (Authorization: Bearer TOKEN)",
    );
  }
  switch (url.pathname) {
    case "/api/summary":
      if (get) return deps.store.summary();
      break;
    case "/api/devices":
      if (get) return deps.store.devices(q.get("fleet") ?? undefined);
      break;
    case "/api/detections":
      if (get)
        return deps.store.detections({
          deviceId: q.get("device") ?? undefined,
          fleet: q.get("fleet") ?? undefined,
          afterId: intParam(q, "after"),
          limit: intParam(q, "limit"),
        });
      break;
    case "/api/ota/status":
      if (get) return otaStatus(deps);
      break;
    case "/api/ota/rollout":
      if (req.method === "POST") return field(deps).rollout(await readBody(req));
      break;
    case "/api/ota/rollouts":
      if (get) return field(deps).rollouts();
      break;
    case "/api/quality":
      if (get)
        return field(deps).quality({
          model: q.get("model") ?? undefined,
          fleet: q.get("fleet") ?? undefined,
          perDevice: q.get("devices") === "1",
        });
      break;
    case "/api/quality/timeline":
      if (get) return field(deps).timeline(intParam(q, "bucket"), q.get("fleet") ?? undefined);
      break;
    case "/api/near-misses":
      if (get)
        return field(deps).nearMisses({
          model: q.get("model") ?? undefined,
          limit: intParam(q, "limit"),
          fleet: q.get("fleet") ?? undefined,
        });
      break;
    case "/api/field/windows":
      if (get) {
        const model = q.get("model");
        if (!model) throw new HttpError(400, "model is required (modelId or modelId@vN)");
        return field(deps).windows({
          model,
          fleet: q.get("fleet") ?? undefined,
          limit: intParam(q, "limit"),
        });
      }
      break;
    case "/api/field/calibration":
      if (get)
        return field(deps).calibration({
          fleet: q.get("fleet") ?? "",
          device: q.get("device") ?? undefined,
          cohort: q.get("cohort") ?? undefined,
        });
      break;
    case "/api/commands":
      if (req.method === "POST") return field(deps).command(await readBody(req));
      if (get) return field(deps).commands(intParam(q, "cmd"));
      break;
    case "/api/ota/publish":
      if (req.method === "POST" && deps.publish) return deps.publish(await readBody(req));
      break;
    case "/metrics":
      if (get) {
        res.writeHead(200, { "content-type": deps.metrics.registry.contentType });
        res.end(await deps.metrics.registry.metrics());
        return undefined;
      }
      break;
    case "/":
      if (get) {
        res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
        res.end(DASHBOARD_HTML);
        return undefined;
      }
      break;
  }
  throw new HttpError(404, `no route ${req.method} ${url.pathname}`);
}

/** Deployments, each with the state and reason of the rollout that made it (if any). */
async function otaStatus(deps: HttpDeps) {
  const rows = await deps.store.otaStatus();
  const rollouts = deps.field ? await deps.field.rollouts() : [];
  return rows.map((d) => {
    const r = rollouts.find((x) => x.deploymentId === d.id) as
      | { id: number; state: string; reason: string }
      | undefined;
    return r
      ? { ...d, rollout: r.id, state: r.state, reason: r.reason }
      : { ...d, state: "published", reason: "ota publish" };
  });
}

export function startHttp(deps: HttpDeps, port: number, host = "127.0.0.1"): Promise<Server> {
  const sessions = new Sessions();
  const server = createServer((req, res) => {
    route(deps, sessions, req, res).then(
      (body) => {
        if (body === undefined) return;
        res.writeHead(200, { "content-type": "application/json" });
        res.end(JSON.stringify(body));
      },
      (e: Error) => {
        const status = e instanceof HttpError ? e.status : isEarshotError(e) ? 400 : 500;
        res.writeHead(status, { "content-type": "application/json" });
        res.end(JSON.stringify({ error: e.message }));
      },
    );
  });
  return new Promise((resolve, reject) => {
    server.once("error", (e) =>
      reject(new FleetError(`HTTP cannot listen on ${host}:${port}: ${e.message}`)),
    );
    server.listen(port, host, () => resolve(server));
  });
}
