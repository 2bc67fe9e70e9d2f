// Worker thread: creates a PGlite database in workerData.dir and exits. initdb leaves ~500 MB
// of wasm memory behind in the process that ran it; in a worker it goes away with the thread.
import { workerData } from "node:worker_threads";
import { PGlite } from "@electric-sql/pglite";

const db = await PGlite.create(workerData.dir);
await db.close();
