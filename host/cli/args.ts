/**
 * Commander value parsers for numeric flags. Each names the flag and the bad value, so a wrong
 * flag ends in one line such as `earshot: --per-word must be a positive integer (got '0')`.
 */
import { InvalidArgumentError } from "@commander-js/extra-typings";
import { UserError } from "./errors";

export function positiveInt(flag: string) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 1)
      throw new UserError(`${flag} must be a positive integer (got '${v}')`);
    return n;
  };
}

export function positiveNumber(flag: string) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isFinite(n) || n <= 0)
      throw new UserError(`${flag} must be a positive number (got '${v}')`);
    return n;
  };
}

export function nonNegativeInt(flag: string) {
  return (v: string): number => {
    const n = Number(v);
    if (v.trim() === "" || !Number.isInteger(n) || n < 0)
      throw new UserError(`${flag} must be a non-negative integer (got '${v}')`);
    return n;
  };
}

export function nonNegativeNumber(flag: string) {
  return (v: string): number => {
    const n = Number(v);
    if (v.trim() === "" || !Number.isFinite(n) || n < 0)
      throw new UserError(`${flag} must be a non-negative number (got '${v}')`);
    return n;
  };
}

/** A number (or integer) in lo..hi inclusive. */
export function numberIn(flag: string, lo: number, hi: number, int = false) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isFinite(n) || n < lo || n > hi || (int && !Number.isInteger(n)))
      throw new UserError(
        `${flag} must be ${int ? "an integer" : "a number"} in ${lo}..${hi} (got '${v}')`,
      );
    return n;
  };
}

/** `LO,HI`: two finite numbers, lo <= hi (both > 0 when `positive`), e.g. an SNR range in dB. */
export function rangeArg(flag: string, what: string, positive = false) {
  return (v: string): [number, number] => {
    const r = v.split(",").map(Number);
    if (
      r.length !== 2 ||
      !r.every((x) => Number.isFinite(x) && (!positive || x > 0)) ||
      r[0] > r[1]
    )
      throw new UserError(`${flag} expects LO,HI ${what} (got '${v}')`);
    return [r[0], r[1]];
  };
}

/** `--vtlp`: a warp factor range, or 'off' (null). */
export function vtlpArg(v: string): [number, number] | null {
  return v === "off" ? null : rangeArg("--vtlp", "warp factors > 0, or 'off'", true)(v);
}

/** Any finite number; reported by commander as an invalid argument of that option. */
export function numberArg(flag: string) {
  return (v: string): number => {
    const n = Number(v);
    if (v.trim() === "" || !Number.isFinite(n))
      throw new InvalidArgumentError(`${flag} must be a number (got '${v}')`);
    return n;
  };
}

/** One of a fixed list of words, typed as that list's union. */
export function oneOf<const T extends readonly string[]>(flag: string, values: T) {
  return (v: string): T[number] => {
    if (!(values as readonly string[]).includes(v))
      throw new UserError(`${flag} must be one of ${values.join(", ")} (got '${v}')`);
    return v as T[number];
  };
}

/** A JSON object flag, such as `--model-config` (absent: nothing over the defaults). */
export function jsonObjectArg(flag: string, json: string | undefined): Record<string, unknown> {
  if (json === undefined) return {};
  let v: unknown;
  try {
    v = JSON.parse(json);
  } catch (err) {
    throw new UserError(`${flag}: ${(err as Error).message}`);
  }
  if (!v || typeof v !== "object" || Array.isArray(v))
    throw new UserError(`${flag} expects a JSON object (got '${json}')`);
  return v as Record<string, unknown>;
}

/** A repeatable option's parser: every occurrence appended, in order. */
export const repeated = (v: string, prev: string[] = []): string[] => [...prev, v];
