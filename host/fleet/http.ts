/**
 * The service's HTTP face (node:http, no framework: a handful of GET routes and one POST):
 *   GET  /api/summary            device, detection, duplicate, rejected counts
 *   GET  /api/devices[?fleet=]   devices with their latest state
 *   GET  /api/detections?device=&fleet=&after=&limit=   detections by id cursor
 *   GET  /api/ota/status         deployments with the outcomes devices reported
 *   POST /api/ota/publish        a signed artifact from `earshot ota publish`
 *   GET  /metrics                Prometheus text format
 * Every route wants `Authorization: Bearer TOKEN` (api-token.ts); without it: 401, and no body is read.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { isEarshotError } from "../../shared/errors";
import { bearerMatches } from "./api-token";
import { FleetError } from "./errors";
import type { FleetMetrics } from "./ingest/metrics";
import type { Store } from "./store/types";

export type PublishHandler = (body: unknown) => Promise<unknown>;

export interface HttpDeps {
  store: Store;
  metrics: FleetMetrics;
  publish?: PublishHandler;
  /** The bearer token every request must carry. */
  token: string;
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

async function route(deps: HttpDeps, req: IncomingMessage, res: ServerResponse): Promise<unknown> {
  const url = new URL(req.url ?? "/", "http://localhost");
  if (!bearerMatches(req.headers.authorization, deps.token)) {
    res.setHeader("www-authenticate", 'Bearer realm="earshot"');
    throw new HttpError(401, "missing or wrong API token (Authorization: Bearer TOKEN)");
  }
  const q = url.searchParams;
  const get = req.method === "GET";
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
      if (get) return deps.store.otaStatus();
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
      if (get)
        return {
          routes: [
            "/api/summary",
            "/api/devices",
            "/api/detections?device=",
            "/api/ota/status",
            "/metrics",
          ],
        };
      break;
  }
  throw new HttpError(404, `no route ${req.method} ${url.pathname}`);
}

export function startHttp(deps: HttpDeps, port: number, host = "127.0.0.1"): Promise<Server> {
  const server = createServer((req, res) => {
    route(deps, req, res).then(
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
