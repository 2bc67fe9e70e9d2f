/**
 * The options every client of a running fleet service takes: where it is (EARSHOT_SERVICE) and
 * the API token (EARSHOT_TOKEN, else the file `fleet serve` created), and the signing key of
 * the commands that sign (OTA artifacts, fleet commands).
 */
import { Option } from "@commander-js/extra-typings";
import { nonNegativeInt } from "./args";

export const DEFAULT_SERVICE = process.env.EARSHOT_SERVICE ?? "http://127.0.0.1:8080";

export const serviceOption = () =>
  new Option("--service <url>", "fleet service HTTP URL (env EARSHOT_SERVICE)").default(
    DEFAULT_SERVICE,
  );

export const tokenFileOption = () =>
  new Option("--api-token-file <file>", "the service's API token (env EARSHOT_TOKEN wins)").default(
    ".earshot/api-token",
  );

export const signingKeyOption = () =>
  new Option("--key <file>", "private signing key").default("ota-keys/ota-signing.key");

/** Seconds a command waits for the devices' acks. */
export const ackWaitOption = () =>
  new Option("--wait <s>", "seconds to wait for acks")
    .default(5)
    .argParser(nonNegativeInt("--wait"));
