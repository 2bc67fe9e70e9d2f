/**
 * The fleet service in its own process for the field bench (so its CPU and memory are its own):
 * PostgreSQL store, external mosquitto, the verifier, rollouts and quality aggregation on.
 * Config comes as one JSON argument; prints the URLs and token as one JSON line.
 */
import { FleetService } from "../../host/fleet/service";

const cfg = JSON.parse(process.argv[2] ?? "{}") as { mqttUrl: string; pg: string; fleet: string };
const service = new FleetService({
  mqttUrl: cfg.mqttUrl,
  pg: cfg.pg,
  fleet: cfg.fleet,
  httpPort: 0,
  log: (l) => process.stderr.write(`${l}\n`),
});
const urls = await service.start();
process.stdout.write(`${JSON.stringify({ ...urls, token: service.apiToken })}\n`);
process.on("SIGTERM", () => {
  service.stop().then(() => process.exit(0));
});
