/**
 * The dashboard: one HTML page with a small script that reads the same JSON API the CLI reads
 * (/api/summary, /api/quality, /api/quality/timeline, /api/ota/status, /api/near-misses) every
 * few seconds and draws vega-lite plots with the vega builds under /assets/. No build step.
 */
export const DASHBOARD_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>earshot fleet</title>
<style>
  body { font: 14px system-ui, sans-serif; margin: 1.5em; color: #222; }
  h1 { font-size: 1.3em; margin: 0 0 .5em; }
  h2 { font-size: 1.05em; margin: 1.4em 0 .4em; }
  .cards { display: flex; gap: 1em; flex-wrap: wrap; }
  .card { border: 1px solid #ccc; border-radius: 6px; padding: .5em 1em; min-width: 8em; }
  .card b { display: block; font-size: 1.6em; }
  table { border-collapse: collapse; }
  td, th { border-bottom: 1px solid #ddd; padding: .25em .7em; text-align: right; }
  td:first-child, th:first-child, td.l { text-align: left; }
  .rolled-back { color: #b00; font-weight: bold; }
  .promoted { color: #070; font-weight: bold; }
  .canary { color: #a60; font-weight: bold; }
  #error { color: #b00; }
  .plots { display: flex; gap: 2em; flex-wrap: wrap; }
</style>
</head>
<body>
<h1>earshot fleet</h1>
<div id="error"></div>
<div class="cards">
  <div class="card">devices<b id="devices">…</b></div>
  <div class="card">online<b id="online">…</b></div>
  <div class="card">detections<b id="detections">…</b></div>
  <div class="card">near misses captured<b id="nearMisses">…</b></div>
</div>
<h2>Field quality by cohort and model</h2>
<p id="estimator"></p>
<table id="quality"><thead><tr><th>cohort</th><th>model</th><th>devices</th><th>device-hours</th>
<th>detections/h</th><th>FA/h estimate</th><th>near misses/h</th></tr></thead><tbody></tbody></table>
<div class="plots"><div id="timeline"></div><div id="scores"></div></div>
<h2>Rollouts</h2>
<table id="rollouts"><thead><tr><th>#</th><th>model</th><th>state</th><th class="l">why</th></tr></thead>
<tbody></tbody></table>
<h2>Near misses</h2>
<table id="near"><thead><tr><th>device</th><th>model</th><th>keyword</th><th>score</th>
<th>verifier</th></tr></thead><tbody></tbody></table>
<script src="/assets/vega.min.js"></script>
<script src="/assets/vega-lite.min.js"></script>
<script>
"use strict";
const $ = (id) => document.getElementById(id);
const num = (x, d = 2) => (x === null || x === undefined ? "n/a" : Number(x).toFixed(d));
async function api(path) {
  const r = await fetch(path, { credentials: "same-origin" });
  if (!r.ok) throw new Error(path + ": HTTP " + r.status);
  return r.json();
}
function rows(tbody, list, cells) {
  tbody.replaceChildren(...list.map((x) => {
    const tr = document.createElement("tr");
    for (const [text, cls] of cells(x)) {
      const td = document.createElement("td");
      td.textContent = text;
      if (cls) td.className = cls;
      tr.appendChild(td);
    }
    return tr;
  }));
}
async function plot(el, spec) {
  const view = new vega.View(vega.parse(vegaLite.compile(spec).spec), { renderer: "svg" });
  const svg = await view.toSVG();
  el.innerHTML = svg;
  view.finalize();
}
async function refresh() {
  const [summary, quality, timeline, ota, near] = await Promise.all([
    api("/api/summary"), api("/api/quality"), api("/api/quality/timeline"),
    api("/api/ota/rollouts"), api("/api/near-misses?limit=20"),
  ]);
  $("devices").textContent = String(summary.devices);
  $("online").textContent = String(summary.online);
  $("detections").textContent = String(summary.detections);
  $("nearMisses").textContent = String(summary.nearMisses);
  $("estimator").textContent = "Estimator: " + quality.estimator + ".";
  rows($("quality").tBodies[0], quality.cohorts, (c) => [
    [c.cohort], [c.model], [String(c.devices)], [num(c.device_hours, 4)],
    [num(c.detections_per_hour, 1)], [num(c.fa_per_hour_estimate, 1)], [num(c.near_misses_per_hour, 1)],
  ]);
  rows($("rollouts").tBodies[0], ota, (r) => [
    [String(r.id)], [r.modelId + " v" + r.version], [r.state, r.state], [r.reason, "l"],
  ]);
  rows($("near").tBodies[0], near, (n) => [
    [n.device], [n.model], [n.keyword], [num(n.score)], [num(n.verifierScore)],
  ]);
  const series = [];
  for (const t of timeline) {
    const key = t.cohort + " " + t.model;
    series.push({ t: t.t, series: key, what: "detections", n: t.detections });
    series.push({ t: t.t, series: key, what: "estimated false accepts", n: t.fa_estimate });
  }
  await plot($("timeline"), {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    title: "per minute, by cohort and model", width: 420, height: 180,
    data: { values: series },
    mark: { type: "line", point: true },
    encoding: {
      x: { field: "t", type: "temporal", title: null },
      y: { field: "n", type: "quantitative", title: "count" },
      color: { field: "series", type: "nominal" },
      strokeDash: { field: "what", type: "nominal" },
    },
  });
  const bars = [];
  for (const c of quality.cohorts)
    c.score_histogram.forEach((n, i) => bars.push({ bin: i / 10, series: c.cohort + " " + c.model, n }));
  await plot($("scores"), {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    title: "detection scores", width: 300, height: 180,
    data: { values: bars },
    mark: "bar",
    encoding: {
      x: { field: "bin", type: "ordinal", title: "score bin" },
      y: { field: "n", type: "quantitative", title: "detections" },
      color: { field: "series", type: "nominal" },
      xOffset: { field: "series" },
    },
  });
  $("error").textContent = "";
  document.body.dataset.ready = "1";
}
async function loop() {
  try { await refresh(); } catch (e) { $("error").textContent = String(e.message || e); }
  setTimeout(loop, 5000);
}
loop();
</script>
</body>
</html>
`;
