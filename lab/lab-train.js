// lab-train.js is the training's side of the page: the buttons and the progress (in the bar that
// stays in view), the charts, the history, the confusion matrix and its cells, the weight
// tiles, the event stream from the server, the shareable address, and the start of it all.
"use strict";

// ---------- 3. training ----------

const trainButtons = ["start", "pause", "batch", "epoch", "reset"];
for (const action of trainButtons) {
  $("train-" + action).addEventListener("click", () => train(action));
}
$("untrained-start").addEventListener("click", () => train("start"));
async function train(action) {
  try {
    applyState(await api("POST", "/api/train", { action }));
    clearErrorStatus();
  } catch (err) { showError(err); }
}
$("pace").addEventListener("change", async () => {
  try {
    applyState(await api("POST", "/api/train", { action: "pace", pace: Number($("pace").value) }));
  } catch (err) { showError(err); }
});

// applyState shows a state: settings, buttons, progress, history, confusion, images.
function applyState(s) {
  const first = !lab.state;
  const changed = !lab.state || lab.state.version !== s.version;
  const wasTraining = training();
  lab.state = s;
  $("sizes").textContent = s.sizes.join("-");
  $("settings").replaceChildren(...s.settings.map(([k, v]) => el("tr", {}, el("td", {}, k), el("td", {}, v))));

  // Without the data set: one line that says what is off, the download's own error folded away.
  const noData = !s.data;
  for (const id of ["test-n", "test-show", "test-next", "test-mistake"]) $(id).disabled = noData;
  $("train-reset").disabled = noData;
  $("pace-box").hidden = noData;
  $("data-problem").hidden = !noData;
  if (noData && !$("data-problem").children.length) {
    $("data-problem").replaceChildren(el("p", {}, "No data set: training and the test images are off; drawing and both passes work."),
      el("details", {}, el("summary", {}, "why"), el("p", { className: "src" }, s.data_problem || "the data set is not loaded")));
  }
  $("test-off").hidden = !noData;
  $("test-off").textContent = noData ? "Test images are off without the data set." : "";
  if (s.tests) $("test-n").max = s.tests - 1;
  $("message").hidden = !s.message;
  $("message").textContent = s.message || "";
  if (document.activeElement !== $("pace")) $("pace").value = String(s.pace);

  applyProgress(s);
  renderHistory(s.history);
  renderConfusion(s.confusion, s.confusion_acc, s.confusion_epoch);
  if (changed) refreshWeights(true);
  if (first) {
    document.body.dataset.ready = "1";
    applyHash();
  } else if (changed) {
    if (wasTraining && !s.training) lab.lastRefresh = 0; // paused: the whole answer at once
    scheduleRefresh(); // the network may have changed: show the current input's new answer
  }
}
// applyProgress shows the progress within the epoch, the running loss and accuracy, η, the
// buttons that can act now, and the mini-batch chart.
function applyProgress(p) {
  const s = lab.state;
  const noData = s && !s.data;
  const done = !!p.done;
  $("train-start").disabled = noData || p.training || done;
  $("train-pause").disabled = noData || !p.training;
  $("train-batch").disabled = noData || p.training || done;
  $("train-epoch").disabled = noData || p.training || done;
  // What the network is; its box keeps its place, so nothing moves when training starts.
  const untrained = !!s && untrainedNow(s);
  // While training it names the epoch under way; its mini-batches are the bar's.
  setText($("origin-text"), !s ? "" : "This network is " + (p.training ? originText(p.epoch, 0, false).replace(/, not trained further here$/, "") +
    `; epoch ${p.epoch + 1} under way` : originText(p.epoch, p.batch_done, false)) + ".");
  $("origin").classList.toggle("untrained", untrained);
  $("untrained-start").style.visibility = untrained && !noData && !p.training ? "visible" : "hidden";
  markSteps();
  const batches = p.batches || (s && s.batches) || 1;
  $("progress").max = batches;
  $("progress").value = p.batch_done || 0;
  if (noData) { // no training without the data set: nothing is under way
    setText($("progress-text"), "no training without the data set");
    setText($("running"), "");
    return;
  }
  const max = s && s.epochs_max ? ` of ${s.epochs_max}` : "";
  setText($("progress-text"), done
    ? `all ${p.epoch} epochs of -epochs trained · Reset to train again, or start the lab with a larger -epochs`
    : `epoch ${p.epoch}${max} done · mini-batch ${p.batch_done}/${batches} · η = ${fmt(p.eta, 6)}` + (p.training ? " · training…" : ""));
  document.body.classList.toggle("training", !!p.training);
  setText($("running"), p.running_loss === null || p.running_loss === undefined
    ? "running loss –, running accuracy – (no mini-batch of this epoch yet)"
    : `running loss ${fmt(p.running_loss)}, running accuracy ${pct(p.running_acc)}`);
  if (p.batch_losses) {
    const xs = p.batch_losses.map((_, i) => p.batch_first + i);
    chartLater($("chart-batch"), [{ xs, ys: p.batch_losses, colour: "#2f5da8", name: "L of the mini-batch" }],
      "mini-batch (since the start)", "no mini-batch trained yet", (v) => fmt(v, 3));
  }
}

// setText changes a text only when it differs: an unchanged line costs no layout.
function setText(e, text) { if (e.textContent !== text) e.textContent = text; }
// refreshWeights reloads the weight tiles when the weights have changed: at most once a second
// while training, at once otherwise.
function refreshWeights(force) {
  const now = Date.now(), s = lab.state;
  if (!s) return;
  const key = `${s.version}:${s.epoch}:${s.batch_done}`; // the weights change with these, and only then
  if (key === lab.weightsKey || (!force && now - lab.lastWeights < 1000)) return;
  lab.weightsKey = key;
  lab.lastWeights = now;
  $("weights").src = `/api/weights.png?v=${key}`;
}
function renderHistory(h) {
  const t = $("history");
  const head = el("tr", {}, ...["epoch", "train L", "train acc", "eval L", "eval acc", "seconds"].map((x) => el("th", {}, x)));
  const xs = (h || []).map((e) => e.epoch);
  chartLater($("chart-loss"), [{ xs, ys: (h || []).map((e) => e.train_loss), colour: "#2f5da8", name: "train" },
    { xs, ys: (h || []).map((e) => e.eval_loss), colour: "#a63a28", name: "eval", dash: "5 3" }], "epoch", "no epoch finished yet", (v) => fmt(v, 3));
  chartLater($("chart-acc"), [{ xs, ys: (h || []).map((e) => e.train_acc), colour: "#2f5da8", name: "train" },
    { xs, ys: (h || []).map((e) => e.eval_acc), colour: "#a63a28", name: "eval", dash: "5 3" }], "epoch", "no epoch finished yet", pct);
  if (!h || !h.length) { t.replaceChildren(head, el("tr", {}, el("td", { colSpan: 6, className: "empty" }, "no epoch finished yet"))); return; }
  t.replaceChildren(head, ...h.slice().reverse().map((e) => el("tr", {},
    el("td", {}, String(e.epoch)), el("td", {}, fmt(e.train_loss)), el("td", {}, pct(e.train_acc)),
    el("td", {}, fmt(e.eval_loss)), el("td", {}, pct(e.eval_acc)), el("td", {}, fmt(e.seconds, 3)))));
}

// chartLater draws a chart on an animation frame, at most four times a second each while
// training: the latest data wins.
const charts = new Map();
let chartFrame = 0, chartTimer = 0, lastCharts = 0;
function chartLater(svg, ...args) {
  charts.set(svg, args);
  if (chartFrame || chartTimer) return;
  const wait = training() ? Math.max(0, lastCharts + 250 - Date.now()) : 0;
  chartTimer = setTimeout(() => {
    chartTimer = 0;
    chartFrame = requestAnimationFrame(() => {
      chartFrame = 0;
      lastCharts = Date.now();
      for (const [svg, a] of charts) lineChart(svg, ...a);
      charts.clear();
    });
  }, wait);
}

// lineChart draws series of numbers the server sent as lines, with 12-pixel text: the range
// of each axis at its ends and a legend.
function lineChart(svg, series, xName, empty, yfmt) {
  const box = sizes.get(svg);
  if (!box || box.w < 1) return; // not laid out yet: the ResizeObserver draws it when it is
  const W = box.w, H = box.h; // the viewBox is the box: 12-pixel text stays 12 pixels
  const m = { l: 58, r: 12, t: 22, b: 34 };
  svg.setAttribute("viewBox", `0 0 ${W} ${H}`);
  const all = series.flatMap((s) => s.ys.filter((v) => v !== null && isFinite(v)));
  const xsAll = series.flatMap((s) => s.xs);
  if (!all.length) {
    svg.replaceChildren(sv("text", { x: 12, y: H / 2 }, empty));
    return;
  }
  let lo = Math.min(...all), hi = Math.max(...all);
  if (hi === lo) { hi += Math.abs(hi) * 0.05 || 1; lo -= Math.abs(lo) * 0.05 || 1; }
  const x0 = Math.min(...xsAll), x1 = Math.max(...xsAll) === x0 ? x0 + 1 : Math.max(...xsAll);
  const X = (x) => m.l + (x - x0) / (x1 - x0) * (W - m.l - m.r), Y = (v) => H - m.b - (v - lo) / (hi - lo) * (H - m.t - m.b);
  const parts = [
    sv("line", { x1: m.l, y1: m.t, x2: m.l, y2: H - m.b, stroke: "#545d6e" }),
    sv("line", { x1: m.l, y1: H - m.b, x2: W - m.r, y2: H - m.b, stroke: "#545d6e" }),
    sv("text", { x: m.l - 4, y: m.t + 4, "text-anchor": "end" }, yfmt(hi)),
    sv("text", { x: m.l - 4, y: H - m.b, "text-anchor": "end" }, yfmt(lo)),
    sv("text", { x: m.l, y: H - m.b + 15, "text-anchor": "start" }, String(x0)),
    sv("text", { x: W - m.r, y: H - m.b + 15, "text-anchor": "end" }, String(x1)),
    sv("text", { x: (m.l + W - m.r) / 2, y: H - 4, "text-anchor": "middle" }, xName),
  ];
  let lx = m.l;
  for (const s of series) {
    const pts = s.xs.map((x, i) => [x, s.ys[i]]).filter(([, v]) => v !== null && isFinite(v));
    const d = pts.map(([x, v], i) => `${i ? "L" : "M"}${X(x).toFixed(1)},${Y(v).toFixed(1)}`).join(" ");
    parts.push(sv("path", { d, fill: "none", stroke: s.colour, "stroke-width": 2, "stroke-dasharray": s.dash || "none" }));
    if (pts.length === 1) parts.push(sv("circle", { cx: X(pts[0][0]), cy: Y(pts[0][1]), r: 3, fill: s.colour }));
    parts.push(sv("line", { x1: lx, y1: 11, x2: lx + 18, y2: 11, stroke: s.colour, "stroke-width": 2, "stroke-dasharray": s.dash || "none" }),
      sv("text", { x: lx + 22, y: 15 }, s.name));
    lx += 30 + 8 * s.name.length;
  }
  svg.replaceChildren(...parts);
  if (!svg.dataset.name) svg.dataset.name = svg.getAttribute("aria-label");
  const last = series.map((s) => `${s.name} ${yfmt(s.ys[s.ys.length - 1])}`).join(", ");
  svg.setAttribute("aria-label", `${svg.dataset.name}: ${xName} ${x0} to ${x1}; the last: ${last}`);
}

// renderConfusion shades counts: the diagonal (right) in green, errors in red, each by its
// largest count; the last column is each digit's accuracy as the server computed it (digitAcc,
// report.go), null for a digit with no images. Each count is a button that steps through its
// images.
function renderConfusion(m, acc, epoch) {
  const t = $("confusion");
  $("confusion-epoch").textContent = m ? `(network after epoch ${epoch})` : "";
  if (!m) { t.replaceChildren(el("tr", {}, el("td", { className: "empty" }, "not computed yet"))); return; }
  let maxDiag = 0, maxOff = 0;
  m.forEach((row, i) => row.forEach((c, j) => { if (i === j) maxDiag = Math.max(maxDiag, c); else maxOff = Math.max(maxOff, c); }));
  const head = el("tr", {}, el("th", { className: "corner", title: "rows: true digit y, columns: predicted digit" }, "y╲ŷ"),
    ...m.map((_, j) => el("th", {}, String(j))), el("th", {}, "right"));
  t.replaceChildren(head, ...m.map((row, i) => {
    const cells = row.map((c, j) => {
      const b = el("button", { type: "button", textContent: String(c) });
      b.setAttribute("aria-label", `true ${i}, predicted ${j}: ${plural(c, "image", "images")}`);
      if (lab.cell && lab.cell.t === i && lab.cell.p === j) b.classList.add("on");
      if (c === 0) b.setAttribute("aria-disabled", "true");
      // One tab stop for the whole matrix; the arrow keys move within it.
      b.tabIndex = i === confFocus[0] && j === confFocus[1] ? 0 : -1;
      b.dataset.cell = `${i}:${j}`;
      b.addEventListener("click", () => { if (c) openCell(i, j); });
      const td = el("td", {}, b);
      const a = i === j ? (maxDiag ? c / maxDiag : 0) : (maxOff ? c / maxOff : 0);
      // At most 0.45 of the red, 0.55 of the green: the count's text stays above 4.5:1.
      td.style.background = i === j ? `rgba(46,125,79,${0.08 + 0.47 * a})` : (c ? `rgba(179,65,46,${0.06 + 0.39 * a})` : "");
      return td;
    });
    return el("tr", {}, el("th", {}, String(i)), ...cells, el("td", {}, acc && acc[i] !== null ? (100 * acc[i]).toFixed(1) + "%" : "–"));
  }));
}

// confFocus is the cell of the confusion matrix that takes the focus (its one tab stop).
const confFocus = [0, 0];
$("confusion").addEventListener("keydown", (e) => {
  const by = { ArrowLeft: [0, -1], ArrowRight: [0, 1], ArrowUp: [-1, 0], ArrowDown: [1, 0], Home: [0, -9], End: [0, 9] }[e.key];
  const cell = e.target.dataset && e.target.dataset.cell;
  if (!by || !cell) return;
  e.preventDefault();
  const [i, j] = cell.split(":").map(Number);
  const ni = Math.max(0, Math.min(9, i + by[0])), nj = Math.max(0, Math.min(9, j + by[1]));
  const next = $("confusion").querySelector(`[data-cell="${ni}:${nj}"]`);
  if (!next) return;
  e.target.tabIndex = -1;
  next.tabIndex = 0;
  confFocus[0] = ni; confFocus[1] = nj;
  next.focus();
});

// openCell asks for the images of a confusion cell and shows the first.
async function openCell(t, p) {
  try {
    const c = await api("GET", `/api/confusion?true=${t}&pred=${p}`);
    if (!c.tests.length) { setStatus(`No evaluation image is a ${t} predicted as ${p}.`); return; }
    lab.cell = { t, p, tests: c.tests, count: c.count, epoch: c.epoch, i: 0 };
    if (lab.state) renderConfusion(lab.state.confusion, lab.state.confusion_acc, lab.state.confusion_epoch);
    stepCell(0);
    $("play").scrollIntoView({ behavior: "smooth", block: "start" });
  } catch (err) { showError(err); }
}
function stepCell(by) {
  const c = lab.cell;
  if (!c) return;
  c.i = (c.i + by + c.tests.length) % c.tests.length;
  $("cell-stepper").hidden = false;
  $("cell-info").textContent = `Cell true ${c.t} → predicted ${c.p} (evaluation set, network after epoch ${c.epoch}): image ${c.i + 1} of ${c.tests.length}` +
    (c.count > c.tests.length ? ` (the first ${c.tests.length} of ${c.count})` : "");
  showEval(c.tests[c.i]);
}
function hideCell() {
  if (!lab.cell) return;
  lab.cell = null;
  $("cell-stepper").hidden = true;
  if (lab.state) renderConfusion(lab.state.confusion, lab.state.confusion_acc, lab.state.confusion_epoch);
}
$("cell-prev").addEventListener("click", () => stepCell(-1));
$("cell-next").addEventListener("click", () => stepCell(1));

// ---------- the weight tiles ----------

// tileAt returns the unit whose tile is under a pointer event, or null in a gap.
function tileAt(e) {
  const img = $("weights"), s = lab.state;
  if (!s || !img.naturalWidth) return null;
  const r = img.getBoundingClientRect();
  const x = (e.clientX - r.left - img.clientLeft) * img.naturalWidth / img.clientWidth - 2;
  const y = (e.clientY - r.top - img.clientTop) * img.naturalHeight / img.clientHeight - 2;
  const units = s.sizes[1], cols = Math.ceil(Math.sqrt(units));
  const col = Math.floor(x / 58), row = Math.floor(y / 58);
  if (x < 0 || y < 0 || x % 58 >= 56 || y % 58 >= 56 || col >= cols) return null;
  const j = row * cols + col;
  return j < units ? j : null;
}
$("weights").addEventListener("click", (e) => { const j = tileAt(e); if (j !== null) selectNode(0, j, true); });
$("weights").addEventListener("mousemove", (e) => { const j = tileAt(e); hover(j === null ? null : 0, j); });
$("weights").addEventListener("mouseleave", () => hover(null));
$("weights").addEventListener("load", () => {
  lab.weightsURL = $("weights").src;
  numberTiles();
  markTile();
  if (lab.result && netView.key) updateNet(lab.result, showsDelta()); // the tiles' href, in place
});
$("tiles-box").addEventListener("keydown", (e) => {
  const s = lab.state;
  if (!s) return;
  const units = s.sizes[1], cols = Math.ceil(Math.sqrt(units));
  const by = { ArrowLeft: -1, ArrowRight: 1, ArrowUp: -cols, ArrowDown: cols }[e.key];
  if (by === undefined) return;
  e.preventDefault();
  const j = Math.max(0, Math.min(units - 1, (lab.unit === null ? 0 : lab.unit + by)));
  selectNode(0, j, true);
});

// placeTileBox puts a frame over tile j, in % of the image so that it scales with it.
function placeTileBox(box, j) {
  const img = $("weights"), s = lab.state;
  if (!s || !img.naturalWidth || j === null) { box.hidden = true; return; }
  const [x, y] = tileGeometry(s.sizes[1]).at(j);
  const W = img.naturalWidth, H = img.naturalHeight;
  Object.assign(box.style, {
    left: `calc(${100 * (x - 1) / W}% + 1px)`, top: `calc(${100 * (y - 1) / H}% + 1px)`,
    width: `${100 * 58 / W}%`, height: `${100 * 58 / H}%`,
  });
  box.hidden = false;
}
function markTile() {
  placeTileBox($("tile-mark"), lab.unit);
  const box = $("tiles-box");
  if (lab.state) box.setAttribute("aria-valuemax", lab.state.sizes[1] - 1);
  box.setAttribute("aria-valuenow", lab.unit === null ? 0 : lab.unit);
  box.setAttribute("aria-valuetext", lab.unit === null ? "no unit picked" : `unit ${lab.unit} picked`);
}

// numberTiles writes each tile's unit number in its corner.
function numberTiles() {
  const img = $("weights"), s = lab.state, box = $("tile-nums");
  if (!s || !img.naturalWidth) return;
  const g = tileGeometry(s.sizes[1]);
  if (box.children.length === s.sizes[1]) return;
  box.replaceChildren(...Array.from({ length: s.sizes[1] }, (_, j) => {
    const [x, y] = g.at(j);
    return el("span", { textContent: String(j), style: `left: calc(${100 * x / g.W}% + 1px); top: calc(${100 * y / g.H}% + 1px)` });
  }));
}

// ---------- events from the server ----------

function connect() {
  const es = new EventSource("/api/events");
  es.addEventListener("open", () => { if (statusKind === "down") setStatus(""); });
  es.addEventListener("error", () => setStatus("disconnected — reconnecting…", "down")); // EventSource retries by itself
  es.addEventListener("state", (e) => applyState(JSON.parse(e.data)));
  es.addEventListener("progress", (e) => {
    const p = JSON.parse(e.data);
    if (lab.state) Object.assign(lab.state, p);
    applyProgress(lab.state || p);
    refreshWeights(false);
    scheduleRefresh();
  });
  es.addEventListener("epoch", (e) => {
    const row = JSON.parse(e.data);
    if (!lab.state) return;
    const h = lab.state.history.filter((x) => x.epoch !== row.epoch);
    h.push(row);
    lab.state.history = h;
    renderHistory(h);
    if (row.confusion) {
      lab.state.confusion = row.confusion;
      lab.state.confusion_acc = row.confusion_acc;
      lab.state.confusion_epoch = row.epoch;
      renderConfusion(row.confusion, row.confusion_acc, row.epoch);
    }
    scheduleRefresh();
  });
}

// ---------- URL hash: #test=0&label=7&unit=3&view=back ----------

// applyHash restores a shared view once the first state is in.
function applyHash() {
  const h = new URLSearchParams(location.hash.slice(1));
  const num = (k) => (h.has(k) && /^\d+$/.test(h.get(k)) ? parseInt(h.get(k), 10) : null);
  if (h.get("view") === "forward") lab.view = "s";
  const unit = num("unit");
  if (unit !== null && lab.state && unit < lab.state.sizes[1]) { lab.unit = unit; lab.selected = { l: 0, j: unit }; }
  const kind = h.has("test") ? "test" : h.has("eval") ? "eval" : null;
  if (kind && lab.state && lab.state.data) {
    const n = num(kind), y = num("label");
    if (n === null || (kind === "test" && n >= lab.state.tests)) {
      setStatus(`#${location.hash.slice(1)}: want ${kind}=N, N a whole number` + (kind === "test" ? ` from 0 to ${lab.state.tests - 1}` : ""), "error");
    } else {
      if (kind === "test") $("test-n").value = n;
      newInput({ kind, n });
      lab.label = y !== null && y < 10 ? y : null;
      lab.view = h.get("view") === "forward" ? "s" : "d";
      refresh();
    }
  }
  markTile();
}

// updateHash keeps the address a shareable view of a test image (a drawing cannot be shared).
function updateHash() {
  if (!lab.input || lab.input.kind === "draw") {
    if (location.hash) history.replaceState(null, "", location.pathname + location.search);
    return;
  }
  const h = new URLSearchParams({ [lab.input.kind]: lab.input.n });
  if (lab.label !== null) h.set("label", lab.label);
  if (lab.unit !== null) h.set("unit", lab.unit);
  if (lab.view === "s") h.set("view", "forward");
  history.replaceState(null, "", "#" + h.toString());
}

// ---------- start ----------

function start() {
  setupPad();
  clearCanvas();
  render(null);
  renderHistory([]);
  renderConfusion(null);
  api("GET", "/api/state").then(applyState).catch(showError);
  // The boxes of the network and the charts, measured by a ResizeObserver: nothing else reads
  // the layout. A change of width lays the network and the charts out again.
  const charted = ["chart-batch", "chart-loss", "chart-acc"].map($);
  let resized = null;
  new ResizeObserver((entries) => {
    let changed = false;
    for (const e of entries) {
      const w = Math.round(e.contentRect.width), h = Math.round(e.contentRect.height);
      const old = sizes.get(e.target);
      if (!old || old.w !== w) changed = true; // its height follows the picture: only the width lays it out
      sizes.set(e.target, { w, h });
    }
    if (!changed) return;
    clearTimeout(resized);
    resized = setTimeout(() => {
      setupPad();
      if (lab.result) renderNet(lab.result);
      if (lab.state) { applyProgress(lab.state); renderHistory(lab.state.history); }
    }, 100);
  }).observe($("net-box"));
  // The charts: observed one by one, so that each entry names its own.
  const ro = new ResizeObserver((entries) => {
    for (const e of entries) sizes.set(e.target, { w: Math.round(e.contentRect.width), h: Math.round(e.contentRect.height) });
    if (lab.state) { applyProgress(lab.state); renderHistory(lab.state.history); } else renderHistory([]);
  });
  charted.forEach((c) => ro.observe(c));
  // ?noevents=1 leaves the event stream closed (headless screenshots wait for the network).
  if (params.get("noevents") !== "1") connect();
}
start();
