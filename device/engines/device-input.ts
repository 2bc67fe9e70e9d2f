/**
 * Device-shaped input for the device engines (host side): the model arrives as bytes and the
 * audio in small chunks through `EARSHOT_INPUT.read`, the way a board's flash and audio driver
 * hand them over (device/targets/es5/entry.ts reads this object).
 *
 * - Espruino reads the model file as a string and views it as bytes (E.toArrayBuffer: no copy
 *   for a flat string; a board reads require("Storage").readArrayBuffer the same way) and reads
 *   the audio file CHUNK samples at a time (E.openFile(...).read).
 * - JerryScript's command line has no file API, so the inputs are scripts: before the bundle,
 *   the first scripts write the model into a Uint8Array 2 KB at a time (array literals of
 *   bytes: see byteArrayLiteral for why not strings; each script's code is freed when it ends,
 *   so the heap then holds the model's bytes until the runtime has decoded them), the next
 *   defines the reader; the bundle loads the model (chunked mode); then one script per 20 ms
 *   of audio sets EARSHOT_CHUNK (int16 sample literals) and calls EARSHOT_INPUT.feed(), as an
 *   audio driver's DMA-complete callback would, and a last one calls finish(). The heap never
 *   holds more than one chunk of audio; the reader copies it into the caller's int16 buffer
 *   with one native TypedArray.set (Espruino: a view of the string read, E.toArrayBuffer).
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";

/**
 * Bytes as a JS array literal. Not a string: JerryScript keeps every string literal it ever
 * parsed in its literal storage until the engine exits, so a model or audio chunk passed as a
 * string would stay on the heap for good; numbers 0..255 compile to push-byte instructions
 * whose bytecode is freed with the script.
 */
function byteArrayLiteral(bytes: Uint8Array): string {
  return `[${Array.prototype.join.call(bytes, ",")}]`;
}

/** Model bytes per JerryScript input script (bounds the parser's transient memory). */
const MODEL_PIECE = 2048;

function options(trace: boolean, settings: string): string {
  return `memory:"typed",exact:true,trace:${trace},settings:${JSON.stringify(settings)}`;
}

/**
 * Espruino's reader: each chunk is a string of two chars per sample (E.openFile().read), viewed
 * as int16 (E.toArrayBuffer: no copy of a flat string) and copied into the runtime's int16
 * buffer natively, as a board's audio driver hands over a buffer. A decode loop in JS here cost
 * ~130k instructions a sample under Espruino's interpreter, most of what bench:device counted.
 */
const READ_BODY =
  "var a=new Int16Array(E.toArrayBuffer(s));var n=a.length;if(n>max)n=max;dst.set(n<a.length?new Int16Array(a.buffer,a.byteOffset,n):a);";

export function espruinoPrelude(
  modelPath: string,
  samplesPath: string,
  trace: boolean,
  settings: string,
): string {
  return `var EARSHOT_INPUT=(function(){var f=E.openFile(${JSON.stringify(samplesPath)},"r");return{model:new Uint8Array(E.toArrayBuffer(require("fs").readFileSync(${JSON.stringify(modelPath)}))),read:function(dst,max){var s=f.read(2*max);if(s===undefined)return 0;${READ_BODY}return n;},${options(trace, settings)}};})();\n`;
}

/** Samples per audio script on JerryScript: 20 ms at 16 kHz. */
export const JERRY_CHUNK_SAMPLES = 320;

/** The scripts JerryScript runs before the bundle, and after it (one per chunk, then finish). */
export interface DeviceInputScripts {
  before: string[];
  after: string[];
}

export function deviceInputScripts(
  model: Uint8Array,
  samples: Int16Array,
  trace: boolean,
  settings: string,
): DeviceInputScripts {
  // The model arrives in pieces written into one Uint8Array (as a flash read loop would).
  const before = [
    `var EARSHOT_MODEL=new Uint8Array(${model.length}),EARSHOT_AT=0,EARSHOT_CHUNK=null;function EARSHOT_PUT(a){for(var i=0;i<a.length;i++)EARSHOT_MODEL[EARSHOT_AT++]=a[i];}\n`,
  ];
  for (let i = 0; i < model.length; i += MODEL_PIECE) {
    before.push(`EARSHOT_PUT(${byteArrayLiteral(model.subarray(i, i + MODEL_PIECE))});\n`);
  }
  // No local holds the model: once the runtime drops it, the heap can reuse its bytes.
  before.push(
    `var EARSHOT_INPUT=(function(){var p=0;return{model:EARSHOT_MODEL,chunked:true,read:function(dst,max){var s=EARSHOT_CHUNK;if(s===null)return 0;var n=s.length-p;if(n>max)n=max;if(p===0&&n===s.length)dst.set(s);else for(var i=0;i<n;i++)dst[i]=s[p+i];p+=n;if(p>=s.length){EARSHOT_CHUNK=null;p=0;}return n;},${options(trace, settings)}};})();EARSHOT_MODEL=null;\n`,
  );
  // Each chunk as int16 sample literals (small integers: no heap cells), copied into the
  // runtime's int16 buffer by one native TypedArray.set, as an audio driver hands one over;
  // a byte decode loop in JS here was a share of every audio second's instructions.
  const after: string[] = [];
  for (let i = 0; i < samples.length; i += JERRY_CHUNK_SAMPLES) {
    const chunk = samples.subarray(i, i + JERRY_CHUNK_SAMPLES);
    after.push(`EARSHOT_CHUNK=[${Array.prototype.join.call(chunk, ",")}];EARSHOT_INPUT.feed();\n`);
  }
  after.push("EARSHOT_INPUT.finish();\n");
  return { before, after };
}

/**
 * Writes the scripts into `dir` (names starting with `prefix`) and returns jerry's file
 * arguments: the inputs, the bundle, then the audio chunks and finish.
 */
export function jerryScriptArgs(
  dir: string,
  prefix: string,
  scripts: DeviceInputScripts,
  bundle: string,
): string[] {
  const write = (js: string, i: number) => {
    const p = join(dir, `${prefix}${i}.js`);
    writeFileSync(p, js);
    return p;
  };
  const before = scripts.before.map(write);
  const after = scripts.after.map((js, i) => write(js, before.length + i));
  return [...before, bundle, ...after];
}

/**
 * Changes the detector's settings mid-stream, as a device applies a signed setThreshold command:
 * wraps EARSHOT_INPUT's audio source (`read`, or `samples` made a reader) so that reading stops
 * at sample `atSample`, calls EARSHOT_INPUT.configure(settings) there (the bundle sets it before
 * it reads any audio) and goes on. Runs after EARSHOT_INPUT is defined, before the bundle.
 */
export function reconfigureScript(atSample: number, settings: string): string {
  return `(function(){var I=EARSHOT_INPUT,r=I.read,n=0,done=false;if(r===undefined){var s=I.samples,p=0;r=function(d,m){var k=s.length-p;if(k>m)k=m;for(var i=0;i<k;i++)d[i]=s[p+i];p+=k;return k;};}I.read=function(d,m){if(!done&&n>=${atSample}){done=true;I.configure(${JSON.stringify(settings)});}if(!done&&n+m>${atSample})m=${atSample}-n;var k=r(d,m);n+=k;return k;};})();\n`;
}

/** espruino-native: earshot's C kernels are Espruino's `earshot` library; entry.ts registers them. */
export const ESPRUINO_NATIVE_KERNELS = `var EarshotNative=require("earshot");\n`;

/**
 * Espruino's peak memory, sampled at every audio chunk: the variables in use after a GC
 * (process.memory() collects first), the most seen; ESPRUINO_MEMORY_REPORT prints it in bytes
 * (variables x their block size) as an `M` line after the run. Measurement runs only.
 */
export const ESPRUINO_MEMORY_PROBE = `var EARSHOT_PEAK=0;(function(){var r=EARSHOT_INPUT.read;EARSHOT_INPUT.read=function(d,m){var u=process.memory().usage;if(u>EARSHOT_PEAK)EARSHOT_PEAK=u;return r(d,m);};})();\n`;
export const ESPRUINO_MEMORY_REPORT = `\n;print("M "+EARSHOT_PEAK*process.memory().blocksize);\n`;

/** Measurement runs: callgrind counts from the first audio read on (the model loaded). */
export const ESPRUINO_COUNT_FROM_STREAM = `(function(){var r=EARSHOT_INPUT.read,on=false;EARSHOT_INPUT.read=function(d,m){if(!on){on=true;require("earshot").countFromHere();}return r(d,m);};})();\n`;

/** Writes the bundle at `bundlePath` into Espruino's Storage (flash), as an upload to a board does. */
export function espruinoUpload(bundlePath: string): string {
  return `require("Storage").write("earshot.js",require("fs").readFileSync(${JSON.stringify(bundlePath)}));print("stored "+require("Storage").read("earshot.js").length);\n`;
}

/** Runs the stored bundle from flash: functions keep pointing into it instead of copying code. */
export const ESPRUINO_RUN_FROM_STORAGE = `eval(require("Storage").read("earshot.js"));\n`;

/** Espruino's stdout: its banner, then the run, then a REPL prompt; keep the run's lines. */
export function stripEspruinoConsole(text: string): string {
  const lines = text.split("\n");
  const first = lines.findIndex((l) => /^[AX] /.test(l));
  if (first < 0) return text.replace(/^(?![AX] )/gm, "# ");
  return lines
    .slice(first)
    .map((l) => l.replace(/^>+/, ""))
    .join("\n");
}
