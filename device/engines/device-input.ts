/**
 * Device-shaped input for the device engines (host side): the model arrives as bytes and the
 * audio in small chunks through `EARSHOT_INPUT.read`, the way a board's flash and audio driver
 * hand them over (device/targets/es5/entry.ts reads this object).
 *
 * - Espruino reads the model file as a string and views it as bytes (E.toArrayBuffer: no copy
 *   for a flat string; a board reads require("Storage").readArrayBuffer the same way) and reads
 *   the audio file CHUNK samples at a time (E.openFile(...).read).
 * - JerryScript's command line has no file API, so the inputs are scripts run before the bundle:
 *   script 0 turns the model (a latin1 string literal) into a Uint8Array and holds the audio as
 *   a latin1 string (two chars per sample); its code and the model literal are freed when it
 *   ends, so the heap then holds the model's bytes (until the runtime has decoded them) and the
 *   clip (what a board's audio driver would hold outside the heap). Script 1 defines the
 *   reader, which decodes each chunk from the string into the caller's array (no allocation
 *   per chunk).
 */

/** JS string literal holding bytes 0..255 one char each. */
function latin1Literal(bytes: Uint8Array): string {
  let s = "";
  // Chunked: String.fromCharCode takes arguments, so bound each call.
  for (let i = 0; i < bytes.length; i += 4096) {
    s += String.fromCharCode(...bytes.subarray(i, i + 4096));
  }
  return JSON.stringify(s);
}

function options(trace: boolean, settings: string): string {
  return `memory:"typed",exact:true,trace:${trace},settings:${JSON.stringify(settings)}`;
}

/** The little-endian int16 decode both readers share, over a string `s` of 2 chars per sample. */
const READ_BODY = `var n=(s.length>>1)-p;if(n>max)n=max;for(var i=0;i<n;i++){var k=2*(p+i),v=s.charCodeAt(k)|(s.charCodeAt(k+1)<<8);dst[i]=v>=32768?v-65536:v;}p+=n;`;

export function espruinoPrelude(
  modelPath: string,
  samplesPath: string,
  trace: boolean,
  settings: string,
): string {
  return `var EARSHOT_INPUT=(function(){var f=E.openFile(${JSON.stringify(samplesPath)},"r");return{model:new Uint8Array(E.toArrayBuffer(require("fs").readFileSync(${JSON.stringify(modelPath)}))),read:function(dst,max){var s=f.read(2*max);if(s===undefined)return 0;var p=0;${READ_BODY}return n;},${options(trace, settings)}};})();\n`;
}

export function deviceInputScripts(
  model: Uint8Array,
  samples: Int16Array,
  trace: boolean,
  settings: string,
): string[] {
  const pcm = new Uint8Array(samples.buffer, samples.byteOffset, samples.byteLength);
  // The model literal dies with script 0's code; the heap keeps one byte per model byte.
  const bytes = (name: string, lit: string) =>
    `var ${name}=(function(){var s=${lit};var u=new Uint8Array(s.length);for(var i=0;i<s.length;i++)u[i]=s.charCodeAt(i);return u;})();`;
  return [
    `${bytes("EARSHOT_MODEL", latin1Literal(model))}var EARSHOT_PCM=${latin1Literal(pcm)};\n`,
    // No local holds the model: once the runtime drops it, the heap can reuse its bytes.
    `var EARSHOT_INPUT=(function(){var s=EARSHOT_PCM,p=0;EARSHOT_PCM=null;return{model:EARSHOT_MODEL,read:function(dst,max){${READ_BODY}return n;},${options(trace, settings)}};})();EARSHOT_MODEL=null;\n`,
  ];
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
