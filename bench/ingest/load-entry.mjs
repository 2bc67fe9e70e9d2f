// Worker-thread bootstrap for the load generator: registers tsx, loads the TS worker.
import { register } from "tsx/esm/api";

register();
await import("./load-worker.ts");
