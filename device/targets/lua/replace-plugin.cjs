// typescript-to-lua plugin: per-target module replacement. After TSTL prints each module and
// before it bundles them, the Lua of every module listed below is swapped for a hand-written
// file that exports the same functions (TSTL passes a `self` first argument to each).
const fs = require("node:fs");
const path = require("node:path");

const REPLACEMENTS = [
  ["shared/portable/int.ts", "int.lua"],
  ["device/targets/lua/lua-io.ts", "lua-io.lua"],
];

module.exports = {
  afterPrint(_program, _options, _emitHost, result) {
    for (const file of result) {
      const name = file.fileName.split(path.sep).join("/");
      for (const [suffix, lua] of REPLACEMENTS) {
        if (name.endsWith(suffix)) {
          file.code = fs.readFileSync(path.join(__dirname, lua), "utf8");
          file.sourceMap = undefined;
          file.sourceMapNode = undefined;
        }
      }
    }
  },
};
