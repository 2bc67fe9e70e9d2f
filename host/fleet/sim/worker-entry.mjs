// Worker-thread bootstrap: registers tsx (as bin/earshot.js does) and loads the TS worker.
import { register } from "tsx/esm/api";

register();
await import("./worker.ts");
