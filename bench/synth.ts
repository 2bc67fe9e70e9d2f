/**
 * Synthetic corpus generation speed, in clips per second, per TTS engine and with worker
 * threads; as a peer in the same run, Debian's `espeak-ng` command (when installed) speaking
 * the same words. Also prints listen-proxy stats of the clips: where the word's energy lies and
 * how long it lasts. Last line: one JSON object.
 *
 *   npx tsx bench/synth.ts [--per-word N] [--jobs N]
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { availableParallelism, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { type SynthSummary, synthesizeCorpus } from "../host/data/synth/corpus";
import { MANIFEST_NAME, type SynthManifest } from "../host/data/synth/manifest";
import { speechBounds } from "../host/data/synth/shape";
import type { EngineName } from "../host/data/synth/tts/engine";
import { closeEngines, loadEngines } from "../host/data/synth/tts/load";
import { decodeWav } from "../host/data/wav/read";

const arg = (name: string, dflt: number) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : dflt;
};
const PER_WORD = arg("--per-word", 16);
const JOBS = arg("--jobs", Math.min(2, availableParallelism()));
const WORDS = ["yes", "no", "up", "down", "left", "right"];
const base = mkdtempSync(join(tmpdir(), "earshot-bench-synth-"));

/** CPU seconds (all threads of this process) spent in each corpus run. */
const cpuSeconds: Record<string, number> = {};

async function corpus(
  name: string,
  engines: EngineName[] | "auto",
  jobs: number,
): Promise<SynthSummary> {
  const cpu0 = process.cpuUsage();
  const s = await synthesizeCorpus({
    out: join(base, name),
    words: WORDS,
    unknownWords: [],
    perWord: PER_WORD,
    seed: 1,
    engines,
    noiseSeconds: 1,
    jobs,
  });
  const cpu = process.cpuUsage(cpu0);
  cpuSeconds[name] = (cpu.user + cpu.system) / 1e6;
  console.log(
    `${name.padEnd(16)} ${s.clips.written} clips in ${(s.clips.written / s.clipsPerSecond).toFixed(1)} s: ` +
      `${s.clipsPerSecond.toFixed(1)} clips/s (engines ${s.engines.join("+")}, jobs ${jobs}, ` +
      `${cpuSeconds[name].toFixed(1)} CPU s, load ${loadavg()[0].toFixed(1)})`,
  );
  return s;
}

/**
 * Raw TTS rate of an in-process engine (no shaping, no writing), words per second, after a
 * warm-up: eSpeak NG is wasm2js (plain JS), so V8 needs some calls before it optimizes it.
 */
async function rawRate(name: EngineName): Promise<number> {
  const [e] = await loadEngines([name]);
  const voice = e.voices[0];
  const p = { pitch: 1, pitchRange: 1, rate: 1 };
  for (let r = 0; r < 3; r++) for (const w of WORDS) e.speak(w, voice, p);
  const rounds = 5;
  const t = performance.now();
  for (let r = 0; r < rounds; r++) for (const w of WORDS) e.speak(w, voice, p);
  const rate = (rounds * WORDS.length) / ((performance.now() - t) / 1000);
  closeEngines([e]);
  return rate;
}

/** Debian's espeak-ng command, one process per word as a corpus script would run it. */
function debianEspeakRate(): number | null {
  if (spawnSync("espeak-ng", ["--version"]).status !== 0) return null;
  const t = performance.now();
  for (const w of WORDS)
    spawnSync("espeak-ng", ["-v", "en-us", "-w", join(base, "peer.wav"), w], { stdio: "ignore" });
  return WORDS.length / ((performance.now() - t) / 1000);
}

interface ClipStats {
  clips: number;
  wordMs: { mean: number; min: number; max: number };
  startMs: { mean: number; min: number; max: number };
  /** Loudest 100 ms window minus quietest, dB. */
  contrastDb: { mean: number; min: number };
}

const summarize = (v: number[]) => ({
  mean: Math.round(v.reduce((a, b) => a + b, 0) / v.length),
  min: Math.round(Math.min(...v)),
  max: Math.round(Math.max(...v)),
});

/** Where the word's energy lies in each clip, grouped by engine (from the manifest). */
function clipStats(root: string): Record<string, ClipStats> {
  const m: SynthManifest = JSON.parse(readFileSync(join(root, MANIFEST_NAME), "utf8"));
  const engineOf = new Map(m.speakers.map((s) => [s.id, s.engine]));
  const acc: Record<string, { len: number[]; start: number[]; contrast: number[] }> = {};
  for (const w of WORDS)
    for (const f of readdirSync(join(root, w))) {
      const x = decodeWav(readFileSync(join(root, w, f)), f).samples;
      const [a, b] = speechBounds(x, -25, 0);
      const env: number[] = [];
      for (let i = 0; i + 1600 <= x.length; i += 1600) {
        let e = 0;
        for (let j = i; j < i + 1600; j++) e += x[j] * x[j];
        env.push(10 * Math.log10(e / 1600 + 1e-20));
      }
      const key = engineOf.get(f.slice(0, 8)) ?? "?";
      acc[key] ??= { len: [], start: [], contrast: [] };
      acc[key].len.push((b - a) / 16);
      acc[key].start.push(a / 16);
      acc[key].contrast.push(Math.max(...env) - Math.min(...env));
    }
  const out: Record<string, ClipStats> = {};
  for (const [k, v] of Object.entries(acc)) {
    const c = summarize(v.contrast);
    out[k] = {
      clips: v.len.length,
      wordMs: summarize(v.len),
      startMs: summarize(v.start),
      contrastDb: { mean: c.mean, min: c.min },
    };
  }
  return out;
}

try {
  const hasEspeak = (
    await loadEngines("auto").then((es) => {
      closeEngines(es);
      return es.map((e) => e.name);
    })
  ).includes("espeak");
  const flite = await corpus("flite", ["flite"], 1);
  const espeak = hasEspeak ? await corpus("espeak", ["espeak"], 1) : null;
  const one = await corpus("auto-1-thread", "auto", 1);
  const many = JOBS > 1 ? await corpus(`auto-${JOBS}-workers`, "auto", JOBS) : null;
  const same = many
    ? readdirSync(join(base, "auto-1-thread", "yes")).every((f) =>
        readFileSync(join(base, "auto-1-thread", "yes", f)).equals(
          readFileSync(join(base, `auto-${JOBS}-workers`, "yes", f)),
        ),
      )
    : null;

  const raw: Record<string, number> = { flite: await rawRate("flite") };
  if (hasEspeak) raw.espeak = await rawRate("espeak");
  const peer = debianEspeakRate();
  console.log(
    `raw TTS words/s: ${Object.entries(raw)
      .map(([k, v]) => `${k} ${v.toFixed(1)}`)
      .join(", ")}; Debian espeak-ng command: ${peer === null ? "not installed" : peer.toFixed(1)}`,
  );
  if (many)
    console.log(
      `workers: ${JOBS} give x${(many.clipsPerSecond / one.clipsPerSecond).toFixed(2)} over 1 thread; same bytes: ${same}`,
    );
  const stats = clipStats(join(base, "auto-1-thread"));
  for (const [k, s] of Object.entries(stats))
    console.log(
      `${k}: ${s.clips} clips, word ${s.wordMs.mean} ms (${s.wordMs.min}..${s.wordMs.max}), ` +
        `starts at ${s.startMs.mean} ms (${s.startMs.min}..${s.startMs.max}), ` +
        `loud-quiet contrast ${s.contrastDb.mean} dB (min ${s.contrastDb.min})`,
    );
  console.log(
    JSON.stringify({
      bench: "synth",
      perWord: PER_WORD,
      words: WORDS.length,
      clipsPerSecond: {
        flite: flite.clipsPerSecond,
        espeak: espeak?.clipsPerSecond ?? null,
        auto: one.clipsPerSecond,
        workers: many?.clipsPerSecond ?? null,
      },
      jobs: JOBS,
      cpuSeconds,
      loadAverage: loadavg()[0],
      workerSpeedup: many ? many.clipsPerSecond / one.clipsPerSecond : null,
      workersSameBytes: same,
      rawWordsPerSecond: raw,
      peer: { name: "debian espeak-ng command", wordsPerSecond: peer },
      ratioEspeakWasmToDebian: peer && raw.espeak ? raw.espeak / peer : null,
      clipStats: stats,
    }),
  );
} finally {
  rmSync(base, { recursive: true, force: true });
}
