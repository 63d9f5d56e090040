// lab.js draws what the Go server computes: the page never redoes the network's arithmetic.
// Every number shown comes from the JSON API; the page only formats numbers and scales colours
// for display (a colour map normalised by the largest |value| of that map).
//
// The flow: one "current input" (a drawing or test image N) and, optionally, a true digit y and
// a picked unit j of the first hidden layer. refresh() asks the server for the forward pass
// (or the backward pass once y is known) of that input and renders everything from the answer.
// Training state arrives by Server-Sent Events; while the network learns, refresh() runs again
// at most once a second so the answer for the learner's digit changes before their eyes.
"use strict";

const $ = (id) => document.getElementById(id);
const params = new URLSearchParams(location.search);

// What the page knows. None of it is a network quantity computed here.
const lab = {
  state: null,         // last /api/state (or state event)
  input: null,         // null | {kind: "test", n} | {kind: "draw", pixels}
  label: null,         // y chosen by the learner, or null (a test image defaults to its label)
  unit: null,          // picked unit j of the first hidden layer, or null
  selected: null,      // {l, j}: the cell whose details are shown
  colourBy: "s",       // "s": cells by σ(a); "d": by δ
  result: null,        // last forward or backward answer
  gen: 0,              // changes with every new input, so late answers for an old one are dropped
  busy: false, again: false, lastRefresh: 0, timer: null,
  lastWeights: 0,
};

// ---------- small helpers ----------

// fmt formats a number for reading: 4 decimals, or an exponent for tiny non-zero values.
function fmt(v, d = 4) {
  if (v === null || v === undefined) return "–";
  if (typeof v !== "number") return String(v);
  if (!isFinite(v)) return String(v);
  if (v !== 0 && Math.abs(v) < 1e-3) return v.toExponential(2);
  // Near ±1 (a saturated σ) 4 decimals would print 1.0000 and hide why σ'(a) is tiny.
  if (Math.abs(v) > 0.9999 && Math.abs(v) < 1) return v.toPrecision(10);
  return v.toFixed(d);
}
const pct = (v) => (v === null || v === undefined ? "–" : (100 * v).toFixed(2) + "%");

// el builds an element: el("td", {className: "x"}, "text", child...).
function el(tag, props, ...children) {
  const e = document.createElement(tag);
  Object.assign(e, props || {});
  for (const c of children) e.append(c);
  return e;
}
// src is the grey note naming the formula and the Go function behind a number.
const src = (text) => el("span", { className: "src" }, " — " + text);

let statusKind = "";
// setStatus shows one line; kind "error" colours it. An empty text hides the line.
function setStatus(text, kind = "") {
  const s = $("status");
  s.textContent = text;
  s.className = kind;
  statusKind = text ? kind || "info" : "";
}

// api sends a request and returns the parsed JSON, or throws the server's one-line "error".
async function api(method, path, body, type = "application/json") {
  const opts = { method, headers: {} };
  if (body !== undefined) {
    opts.body = type === "application/json" ? JSON.stringify(body) : body;
    opts.headers["Content-Type"] = type;
  }
  const res = await fetch(path, opts);
  let data = null;
  try { data = await res.json(); } catch (_) { /* not JSON: reported below */ }
  if (!res.ok) throw new Error((data && data.error) || `${method} ${path}: HTTP ${res.status}`);
  return data;
}

// showError puts a failed request's message in the status line (never alert()).
function showError(err) { setStatus(err.message || String(err), "error"); }

// ---------- colours (display only) ----------

// grey maps σ(a) in 0..1 to white..dark.
function grey(v) {
  const t = Math.max(0, Math.min(1, v));
  const c = (w, d) => Math.round(w + (d - w) * t);
  return `rgb(${c(255, 29)},${c(255, 42)},${c(255, 68)})`;
}
// diverging maps v/max in −1..1 to blue..white..red, with the end colours of weights.png
// (plot.go, diverging): #b2182b for +1, #2166ac for −1.
function diverging(v, max) {
  const t = max > 0 ? Math.max(-1, Math.min(1, v / max)) : 0;
  const [r, g, b] = t >= 0 ? [0xb2, 0x18, 0x2b] : [0x21, 0x66, 0xac];
  const a = Math.abs(t);
  return [255 + (r - 255) * a, 255 + (g - 255) * a, 255 + (b - 255) * a].map(Math.round);
}
const maxAbs = (xs) => xs.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
// textOn picks black or white text for a background given by its darkness 0..1.
const textOn = (dark) => (dark > 0.55 ? "#fff" : "#1d2330");

// drawGrey paints 784 values in 0..1 on a 28×28 canvas: 0 white, 1 black (ink), as drawn.
function drawGrey(canvas, pixels) {
  const ctx = canvas.getContext("2d");
  const img = ctx.createImageData(28, 28);
  pixels.forEach((v, i) => {
    const g = Math.round(255 * (1 - Math.max(0, Math.min(1, v))));
    img.data.set([g, g, g, 255], 4 * i);
  });
  ctx.putImageData(img, 0, 0);
}
// drawDiverging paints 784 signed values, normalised by their largest |value|.
function drawDiverging(canvas, values) {
  const ctx = canvas.getContext("2d");
  const img = ctx.createImageData(28, 28);
  const m = maxAbs(values);
  values.forEach((v, i) => img.data.set([...diverging(v, m), 255], 4 * i));
  ctx.putImageData(img, 0, 0);
}

// ---------- 1. input: drawing ----------

const draw = $("draw");
const pen = draw.getContext("2d");
let inked = false;        // a blank canvas is never sent: the server answers 400
let drawTimer = null, drawBusy = false, drawAgain = false;

function clearCanvas() {
  pen.fillStyle = "#fff";
  pen.fillRect(0, 0, draw.width, draw.height);
  inked = false;
}

// at converts a pointer event to backing-store coordinates (the canvas may be shown smaller).
function at(e) {
  const r = draw.getBoundingClientRect();
  return [(e.clientX - r.left) * draw.width / r.width, (e.clientY - r.top) * draw.height / r.height];
}

let drawing = false;
draw.addEventListener("pointerdown", (e) => {
  e.preventDefault();
  draw.setPointerCapture(e.pointerId);
  drawing = true;
  const [x, y] = at(e);
  pen.beginPath();
  pen.moveTo(x, y);
  pen.lineTo(x + 0.01, y); // a dot for a click without a move
  pen.stroke();
  inked = true;
});
draw.addEventListener("pointermove", (e) => {
  if (!drawing) return;
  const [x, y] = at(e);
  pen.lineTo(x, y);
  pen.stroke();
  // Debounced: the server sees the drawing ~150 ms after the pen rests.
  clearTimeout(drawTimer);
  drawTimer = setTimeout(sendDrawing, 150);
});
const penUp = () => {
  if (!drawing) return;
  drawing = false;
  clearTimeout(drawTimer);
  sendDrawing();
};
draw.addEventListener("pointerup", penUp);
draw.addEventListener("pointercancel", penUp);

$("clear").addEventListener("click", () => {
  clearCanvas();
  if (lab.input && lab.input.kind === "draw") {
    newInput(null);
    lab.label = null;
    renderLabels();
    render(null);
  }
});

// sendDrawing posts the canvas as a PNG; the server brings it to MNIST's form (mnistForm).
// One request at a time: strokes made meanwhile are sent when it returns.
function sendDrawing() {
  if (!inked) return;
  if (drawBusy) { drawAgain = true; return; }
  drawBusy = true;
  draw.toBlob(async (blob) => {
    try {
      const q = lab.unit !== null ? `?unit=${lab.unit}` : "";
      const r = await api("POST", "/api/draw" + q, blob, "image/png");
      if (!(lab.input && lab.input.kind === "draw")) {
        // a new drawing replaces a test image: y no longer applies
        lab.label = null;
      }
      newInput({ kind: "draw", pixels: r.pixels });
      clearErrorStatus();
      if (lab.label !== null) refresh(); // backward needs y: ask again with it
      else render(r);
    } catch (err) {
      showError(err);
    } finally {
      drawBusy = false;
      if (drawAgain) { drawAgain = false; sendDrawing(); }
    }
  }, "image/png");
}

// ---------- 1. input: test images ----------

function showTest(n) {
  if (!Number.isInteger(n) || n < 0) { setStatus("test image number must be 0 or more", "error"); return; }
  const tests = lab.state ? lab.state.tests : 0;
  if (tests > 0) n = n % tests;
  $("test-n").value = n;
  lab.label = null; // a test image's own label is used until the learner changes it
  newInput({ kind: "test", n });
  refresh();
}
$("test-show").addEventListener("click", () => showTest(parseInt($("test-n").value, 10)));
$("test-n").addEventListener("keydown", (e) => { if (e.key === "Enter") $("test-show").click(); });
$("test-next").addEventListener("click", () => {
  const cur = lab.input && lab.input.kind === "test" ? lab.input.n : parseInt($("test-n").value, 10) - 1;
  showTest((isNaN(cur) ? -1 : cur) + 1);
});
$("test-mistake").addEventListener("click", async () => {
  const after = lab.input && lab.input.kind === "test" ? lab.input.n : parseInt($("test-n").value, 10) - 1;
  try {
    const r = await api("GET", `/api/mistake?after=${isNaN(after) ? -1 : after}`);
    showTest(r.test);
  } catch (err) { showError(err); }
});

// newInput makes x the current input; answers still on their way for the old one are dropped.
function newInput(input) {
  lab.input = input;
  lab.gen++;
  updateHash();
}

// ---------- forward / backward requests ----------

// refresh asks for the pass of the current input: backward when y is known (a test image always
// has its label), forward otherwise. One request at a time; a call made meanwhile runs after.
async function refresh() {
  if (!lab.input) return;
  if (lab.busy) { lab.again = true; return; }
  lab.busy = true;
  const gen = lab.gen;
  const body = lab.input.kind === "test" ? { test: lab.input.n } : { pixels: lab.input.pixels };
  if (lab.unit !== null) body.unit = lab.unit;
  if (lab.label !== null) body.label = lab.label;
  const backward = lab.input.kind === "test" || lab.label !== null;
  try {
    const r = await api("POST", backward ? "/api/backward" : "/api/forward", body);
    if (gen === lab.gen) { render(r); clearErrorStatus(); }
  } catch (err) {
    showError(err);
  } finally {
    lab.busy = false;
    lab.lastRefresh = Date.now();
    if (lab.again) { lab.again = false; refresh(); }
  }
}

// scheduleRefresh re-runs the pass at most about once a second (used while training).
function scheduleRefresh() {
  if (!lab.input || lab.timer) return;
  const wait = Math.max(0, lab.lastRefresh + 1000 - Date.now());
  lab.timer = setTimeout(() => { lab.timer = null; refresh(); }, wait);
}

// clearErrorStatus removes an old error or hint once a request succeeds (but keeps "disconnected").
function clearErrorStatus() { if (statusKind !== "down") setStatus(""); }

// ---------- 2 & 3. rendering a forward / backward answer ----------

// render shows a forward answer r (or a backward one, which carries the forward fields too).
function render(r) {
  lab.result = r;
  $("prediction").textContent = r ? String(r.prediction) : "";
  if (!r) {
    drawGrey($("seen"), new Array(784).fill(0));
    $("input-info").textContent = "No input yet.";
    $("net-info").textContent = "";
    $("diagram").replaceChildren();
    $("outputs").replaceChildren();
    $("unit-panel").hidden = true;
    $("back-body").hidden = true;
    renderLabels();
    return;
  }
  drawGrey($("seen"), r.pixels);
  const isTest = r.test !== undefined && r.test !== null;
  $("input-info").textContent = isTest
    ? `Test image ${r.test}` + (lab.label === null ? `, label ${r.label}` : `; y = ${lab.label}, chosen by you`)
    : "Your drawing, in MNIST's form.";
  $("net-info").textContent = `Network after epoch ${r.epoch}` + (r.batch_done ? `, mini-batch ${r.batch_done}` : "") +
    (r.epoch === 0 && !r.batch_done ? " (untrained: the starting weights)" : "");
  renderDiagram(r);
  renderOutputs(r);
  renderUnit(r);
  renderLabels();
  renderBackward(r);
}

const hasBack = (r) => r && r.loss !== undefined && Array.isArray(r.delta);

// renderDiagram draws the layers as rows of cells coloured by σ(a) or by δ.
function renderDiagram(r) {
  const box = $("diagram");
  box.replaceChildren();
  const byDelta = lab.colourBy === "d" && hasBack(r);
  const inRow = el("div", { className: "layer" },
    el("div", { className: "layer-name" }, `input x (${r.pixels.length} pixels)`));
  const small = el("canvas", { className: "map diagram-x", width: 28, height: 28 });
  drawGrey(small, r.pixels);
  inRow.append(small);
  box.append(inRow);
  const L = r.layers.length;
  r.layers.forEach((layer, l) => {
    const out = l === L - 1;
    const delta = hasBack(r) ? r.delta[l] : null;
    const dmax = delta ? maxAbs(delta) : 0;
    const name = out ? `output layer (${layer.s.length} units), ŷ = σ(a)` : `hidden layer ${l + 1} (${layer.s.length} units)`;
    const row = el("div", { className: "layer" }, el("div", { className: "arrow" }, "↓ a = W·x + b, σ(a)"),
      el("div", { className: "layer-name" }, name + (byDelta ? ", coloured by δ (red +, blue −)" : ", coloured by σ(a)")));
    const cells = el("div", { className: "cells" });
    layer.s.forEach((s, j) => {
      const c = el("button", { type: "button", className: "cell" });
      if (byDelta) {
        const [R, G, B] = diverging(delta[j], dmax);
        c.style.background = `rgb(${R},${G},${B})`;
        c.style.color = textOn(Math.abs(delta[j]) / (dmax || 1));
      } else {
        c.style.background = grey(s);
        c.style.color = textOn(s);
      }
      if (out) c.textContent = String(j);
      c.title = `${out ? "output" : "hidden " + (l + 1)} unit ${j}: a = ${fmt(layer.a[j])}, σ(a) = ${fmt(s)}` +
        (delta ? `, δ = ${fmt(delta[j])}` : "");
      if (lab.selected && lab.selected.l === l && lab.selected.j === j) c.classList.add("selected");
      if (l === 0 && lab.unit === j) c.classList.add("picked");
      c.addEventListener("click", () => selectCell(l, j));
      cells.append(c);
    });
    row.append(cells);
    box.append(row);
  });
  renderCellDetails(r);
}

// selectCell shows a unit's numbers; a first-layer unit is also picked (its weights are asked for).
function selectCell(l, j) {
  lab.selected = { l, j };
  if (l === 0) pickUnit(j);
  else if (lab.result) renderDiagram(lab.result);
}

// pickUnit asks again with "unit": j, so the answer carries that unit's weights and sums.
function pickUnit(j) {
  lab.unit = j;
  lab.selected = { l: 0, j };
  markTile();
  updateHash();
  if (lab.input) refresh();
  else setStatus(`Unit ${j} picked: draw a digit or show a test image to see its weights at work.`);
}

function renderCellDetails(r) {
  const box = $("cell-details");
  const s = lab.selected;
  if (!s || !r.layers[s.l] || s.j >= r.layers[s.l].s.length) {
    box.className = "panel hint";
    box.textContent = "Click a unit for its numbers; a unit of the first hidden layer shows its weights.";
    return;
  }
  box.className = "panel";
  const out = s.l === r.layers.length - 1;
  const layer = r.layers[s.l];
  const lines = [
    el("div", {}, el("b", {}, out ? `Output unit ${s.j} (digit ${s.j})` : `Hidden layer ${s.l + 1}, unit ${s.j}`)),
    el("div", { className: "formula" }, `a = W·x + b = ${fmt(layer.a[s.j])}`, src("layerForward, network.go")),
    el("div", { className: "formula" }, `${out ? "ŷ = " : ""}σ(a) = 1/(1+e^(−a)) = ${fmt(layer.s[s.j])}`, src("sigmoid, network.go")),
  ];
  if (hasBack(r)) {
    const d = r.delta[s.l][s.j];
    if (out) {
      const y = r.y[s.j]; // y_k of the one-hot target, as the server sends it
      lines.push(el("div", { className: "formula" }, `δ = ŷ − y = ${fmt(layer.s[s.j])} − ${y} = ${fmt(d)}`, src("outputDelta, backprop.go")));
    } else {
      lines.push(el("div", { className: "formula" },
        `δ = (Wᵀδ)_j × σ'(a_j) = ${fmt(r.back[s.l][s.j])} × ${fmt(r.dsigma[s.l][s.j])} = ${fmt(d)}`, src("hiddenDelta, backprop.go")));
    }
  }
  box.replaceChildren(...lines);
}

// renderOutputs draws ŷ_k as horizontal bars, the predicted digit highlighted.
function renderOutputs(r) {
  const y = hasBack(r) ? r.label : null;
  $("outputs").replaceChildren(...r.yhat.map((v, k) => {
    const fill = el("div", { className: "bar-fill" });
    fill.style.width = `${Math.max(0, Math.min(1, v)) * 100}%`;
    const row = el("div", { className: "bar-row" + (k === r.prediction ? " pred" : "") + (k === y ? " truth" : "") },
      el("span", { className: "digit" }, String(k)), el("div", { className: "bar-track" }, fill), el("span", { className: "val" }, fmt(v)));
    row.title = `ŷ_${k} = ${fmt(v, 6)}` + (k === y ? " (true digit)" : "");
    return row;
  }));
}

// renderUnit shows the picked first-layer unit: weights, contributions x⊙w and the sum.
function renderUnit(r) {
  const u = r.unit;
  $("unit-panel").hidden = !u;
  if (!u) return;
  $("unit-name").textContent = String(u.j);
  drawDiverging($("map-w"), u.w);
  drawDiverging($("map-contrib"), u.contrib);
  $("unit-sum").replaceChildren(
    el("div", {}, `b = ${fmt(u.b)}`),
    el("div", {}, `Σ x_i w_i = ${fmt(u.wx)}`, src("x_i·w_i and their sum, in pixel order — unitLook, lab.go")),
    el("div", {}, `a = Σ x_i w_i + b = ${fmt(u.wx)} + ${fmt(u.b)} = ${fmt(u.a)}`, src("a = W·x + b — layerForward, network.go")),
    el("div", {}, `σ(a) = 1/(1+e^(−a)) = ${fmt(u.s)}`, src("sigmoid, network.go")));
}

// renderLabels draws the ten buttons for y, the one in use highlighted.
function renderLabels() {
  const r = lab.result;
  const y = lab.label !== null ? lab.label : (r && hasBack(r) ? r.label : null);
  const box = $("labels");
  if (!box.children.length) {
    for (let k = 0; k < 10; k++) {
      const b = el("button", { type: "button", textContent: String(k) });
      b.addEventListener("click", () => {
        if (!lab.input) { setStatus("Draw a digit or show a test image first."); return; }
        lab.label = k;
        updateHash();
        refresh();
      });
      box.append(b);
    }
  }
  [...box.children].forEach((b, k) => b.classList.toggle("on", k === y));
  const info = $("label-info");
  if (!lab.input) info.textContent = "Draw a digit or show a test image, then pick its true digit y.";
  else if (lab.input.kind === "test") info.textContent = "y is the test image's label; click another digit to see what the backward pass does with it.";
  else if (y === null) info.textContent = "Click the digit you drew to run the backward pass.";
  else info.textContent = `y = ${y}: the backward pass below uses it as the one-hot target.`;
}

// renderBackward shows L, δ of every layer, ∂L/∂W of the picked unit and the SGD step.
function renderBackward(r) {
  const ok = hasBack(r);
  $("back-body").hidden = !ok;
  if (!ok) return;
  const L = r.layers.length;
  $("loss").replaceChildren(
    el("div", {}, `L = −Σ_k [(1 − y_k) ln(1 − ŷ_k) + y_k ln ŷ_k] = ${fmt(r.loss)}`, src("loss, network.go")));

  // Output layer: ŷ_k − y_k = δ_k, with the one-hot y the server sends.
  const out = $("out-delta");
  out.replaceChildren(el("tr", {}, ...["k", "ŷ_k", "", "y_k", "", "δ_k"].map((h) => el("th", {}, h))));
  r.yhat.forEach((v, k) => {
    const yk = r.y[k];
    const tr = el("tr", { className: k === r.label ? "hl" : "" },
      el("td", {}, String(k)), el("td", {}, fmt(v)), el("td", { className: "op" }, "−"),
      el("td", {}, String(yk)), el("td", { className: "op" }, "="), el("td", {}, fmt(r.delta[L - 1][k])));
    out.append(tr);
  });

  // Hidden layers: the two factors of δ from "back" and "dsigma".
  const hid = $("hid-delta");
  hid.replaceChildren(el("tr", {}, ...["layer", "j", "(Wᵀδ)_j", "", "σ'(a_j)", "", "δ_j"].map((h) => el("th", {}, h))));
  for (let l = 0; l < L - 1; l++) {
    r.delta[l].forEach((d, j) => {
      const tr = el("tr", {},
        el("td", {}, String(l + 1)), el("td", {}, String(j)), el("td", {}, fmt(r.back[l][j])), el("td", { className: "op" }, "×"),
        el("td", {}, fmt(r.dsigma[l][j])), el("td", { className: "op" }, "="), el("td", {}, fmt(d)));
      if ((l === 0 && lab.unit === j) || (lab.selected && lab.selected.l === l && lab.selected.j === j)) tr.className = "hl";
      tr.style.cursor = "pointer";
      tr.addEventListener("click", () => selectCell(l, j));
      hid.append(tr);
    });
  }

  // ∂L/∂W of the picked unit.
  const u = r.unit;
  $("grad-panel").hidden = !(u && u.grad);
  if (u && u.grad) {
    $("grad-unit").textContent = String(u.j);
    drawDiverging($("map-grad"), u.grad);
    $("grad-info").textContent = `δ_${u.j} = ${fmt(u.delta)}; ∂L/∂b = δ_${u.j}; ∂L/∂w_i = δ_${u.j}·x_i is 0 wherever the pixel x_i is 0.`;
  }

  // One SGD step on this example, taken on a copy by the server.
  const st = r.step;
  $("step-info").replaceChildren(
    el("div", {}, `η = ${fmt(st.eta, 6)}, λ = ${fmt(st.lambda, 6)}, n = ${st.n}`),
    el("div", {}, `L: ${fmt(r.loss)} → ${fmt(st.loss_after)}`, src("L after: loss, network.go, on the stepped copy — runExample, explain.go")),
    el("div", {}, `prediction: ${r.prediction} → ${st.prediction_after}`, src("argmax_k ŷ_k — predict, network.go")));
  columns($("yhat-before"), r.yhat, r.prediction);
  columns($("yhat-after"), st.yhat_after, st.prediction_after);
}

// columns draws ten small vertical bars with their values.
function columns(box, ys, pred) {
  box.replaceChildren(...ys.map((v, k) => {
    const fill = el("div", { className: "fill" });
    fill.style.height = `${Math.max(0, Math.min(1, v)) * 100}%`;
    const c = el("div", { className: "column" + (k === pred ? " pred" : "") },
      el("div", { className: "track" }, fill), el("span", {}, String(k)), el("span", { className: "v" }, v.toFixed(2)));
    c.title = `ŷ_${k} = ${fmt(v, 6)}`;
    return c;
  }));
}

// The toggle recolours the diagram from the last answer: no request needed.
document.querySelectorAll('input[name="colour-by"]').forEach((r) => r.addEventListener("change", () => {
  lab.colourBy = r.value;
  updateHash();
  if (lab.colourBy === "d" && !hasBack(lab.result)) setStatus("δ needs the backward pass: pick the true digit y.");
  if (lab.result) renderDiagram(lab.result);
}));

// ---------- 4. training ----------

const trainButtons = ["start", "pause", "batch", "epoch", "reset"];
for (const action of trainButtons) {
  $("train-" + action).addEventListener("click", async () => {
    try {
      applyState(await api("POST", "/api/train", { action }));
      clearErrorStatus();
    } catch (err) { showError(err); }
  });
}

// applyState shows a state: settings, buttons, progress, history, confusion, images.
function applyState(s) {
  const first = !lab.state;
  const changed = !lab.state || lab.state.version !== s.version;
  lab.state = s;
  $("sizes").textContent = s.sizes.join("-");
  $("settings").replaceChildren(...s.settings.map(([k, v]) => el("tr", {}, el("td", {}, k), el("td", {}, v))));

  const noData = !s.data;
  $("train-start").disabled = noData || s.training;
  $("train-pause").disabled = noData || !s.training;
  $("train-batch").disabled = noData || s.training;
  $("train-epoch").disabled = noData || s.training;
  $("train-reset").disabled = noData;
  for (const id of ["test-n", "test-show", "test-next", "test-mistake"]) $(id).disabled = noData;
  $("data-problem").hidden = !noData;
  $("data-problem").textContent = noData ? "No data: " + (s.data_problem || "the data set is not loaded") : "";
  $("test-off").hidden = !noData;
  $("test-off").textContent = noData ? "Test images are off: " + (s.data_problem || "the data set is not loaded") : "";
  if (s.tests) $("test-n").max = s.tests - 1;
  $("message").hidden = !s.message;
  $("message").textContent = s.message || "";

  applyProgress(s);
  renderHistory(s.history);
  renderConfusion(s.confusion, s.confusion_acc, s.confusion_epoch);
  if (changed) {
    const v = encodeURIComponent(s.version);
    $("loss-svg").src = `/api/loss.svg?v=${v}`;
    $("acc-svg").src = `/api/accuracy.svg?v=${v}`;
    refreshWeights(true);
  }
  if (first) {
    document.body.dataset.ready = "1";
    applyHash();
  } else if (changed) {
    scheduleRefresh(); // the network may have changed: show the current input's new answer
  }
}

// applyProgress shows the progress within the epoch, the running loss and accuracy, and η.
function applyProgress(p) {
  const s = lab.state;
  const batches = p.batches || (s && s.batches) || 1;
  $("progress").max = batches;
  $("progress").value = p.batch_done || 0;
  if (s && !s.data) { // no training without the data set: nothing is under way
    $("progress-text").textContent = `epoch 0 · no training without the data set`;
    $("running").textContent = "";
    return;
  }
  const max = s && s.epochs_max ? ` of ${s.epochs_max}` : "";
  $("progress-text").textContent =
    `epoch ${p.epoch}${max} finished · mini-batch ${p.batch_done}/${batches} of epoch ${p.epoch + 1} · η = ${fmt(p.eta, 6)}` +
    (p.training ? " · training…" : "");
  $("running").textContent = p.running_loss === null || p.running_loss === undefined
    ? "running loss –, running accuracy – (no mini-batch of this epoch yet)"
    : `running loss ${fmt(p.running_loss)}, running accuracy ${pct(p.running_acc)}`;
}

// refreshWeights reloads the weight tiles, at most about once a second unless forced.
function refreshWeights(force) {
  const now = Date.now();
  if (!force && now - lab.lastWeights < 1000) return;
  lab.lastWeights = now;
  $("weights").src = `/api/weights.png?v=${lab.state ? lab.state.version : 0}-${now}`;
}

function renderHistory(h) {
  const t = $("history");
  const head = el("tr", {}, ...["epoch", "train L", "train acc", "eval L", "eval acc", "seconds"].map((x) => el("th", {}, x)));
  if (!h || !h.length) { t.replaceChildren(head, el("tr", {}, el("td", { colSpan: 6, className: "empty" }, "no epoch finished yet"))); return; }
  t.replaceChildren(head, ...h.slice().reverse().map((e) => el("tr", {},
    el("td", {}, String(e.epoch)), el("td", {}, fmt(e.train_loss)), el("td", {}, pct(e.train_acc)),
    el("td", {}, fmt(e.eval_loss)), el("td", {}, pct(e.eval_acc)), el("td", {}, fmt(e.seconds, 3)))));
}

// renderConfusion shades counts: the diagonal (right) in green, errors in red, each by its
// largest count; the last column is each digit's accuracy as the server computed it (digitAcc,
// report.go), null for a digit with no images.
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
      const td = el("td", {}, String(c));
      const a = i === j ? (maxDiag ? c / maxDiag : 0) : (maxOff ? c / maxOff : 0);
      td.style.background = i === j ? `rgba(46,125,79,${0.08 + 0.5 * a})` : (c ? `rgba(179,65,46,${0.06 + 0.6 * a})` : "");
      td.title = `true ${i}, predicted ${j}: ${c}`;
      return td;
    });
    return el("tr", {}, el("th", {}, String(i)), ...cells, el("td", {}, acc && acc[i] !== null ? (100 * acc[i]).toFixed(1) + "%" : "–"));
  }));
}

// Clicking a weight tile picks its unit: tile j sits at x = 2 + (j mod cols)·58,
// y = 2 + ⌊j/cols⌋·58 in the image, 56 px wide, with cols = ⌈√units⌉.
$("weights").addEventListener("click", (e) => {
  const img = e.currentTarget, s = lab.state;
  if (!s || !img.naturalWidth) return;
  const r = img.getBoundingClientRect();
  const x = (e.clientX - r.left) * img.naturalWidth / r.width - 2;
  const y = (e.clientY - r.top) * img.naturalHeight / r.height - 2;
  const units = s.sizes[1], cols = Math.ceil(Math.sqrt(units));
  const col = Math.floor(x / 58), row = Math.floor(y / 58);
  if (x < 0 || y < 0 || x % 58 >= 56 || y % 58 >= 56 || col >= cols) return; // in a gap
  const j = row * cols + col;
  if (j < units) pickUnit(j);
});
$("weights").addEventListener("load", markTile);

// markTile outlines the picked unit's tile, placed in % of the image so it scales with it.
function markTile() {
  const img = $("weights"), mark = $("tile-mark"), s = lab.state;
  if (lab.unit === null || !s || !img.naturalWidth) { mark.hidden = true; return; }
  const cols = Math.ceil(Math.sqrt(s.sizes[1]));
  const x = 2 + (lab.unit % cols) * 58, y = 2 + Math.floor(lab.unit / cols) * 58;
  const W = img.naturalWidth, H = img.naturalHeight;
  Object.assign(mark.style, {
    left: `calc(${100 * (x - 1) / W}% + 1px)`, top: `calc(${100 * (y - 1) / H}% + 1px)`,
    width: `${100 * 58 / W}%`, height: `${100 * 58 / H}%`,
  });
  mark.hidden = false;
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
    applyProgress(p);
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
    if (row.confusion) renderConfusion(row.confusion, row.confusion_acc, row.epoch);
    $("loss-svg").src = `/api/loss.svg?e=${row.epoch}-${Date.now()}`;
    $("acc-svg").src = `/api/accuracy.svg?e=${row.epoch}-${Date.now()}`;
    scheduleRefresh();
  });
}

// ---------- URL hash: #test=0&label=7&unit=3&colour=delta ----------

// applyHash restores a shared view once the first state is in.
function applyHash() {
  const h = new URLSearchParams(location.hash.slice(1));
  const num = (k) => (h.has(k) && /^\d+$/.test(h.get(k)) ? parseInt(h.get(k), 10) : null);
  if (h.get("colour") === "delta") {
    lab.colourBy = "d";
    document.querySelector('input[name="colour-by"][value="d"]').checked = true;
  }
  const unit = num("unit");
  if (unit !== null && lab.state && unit < lab.state.sizes[1]) { lab.unit = unit; lab.selected = { l: 0, j: unit }; }
  const test = num("test");
  if (test !== null && lab.state && lab.state.data) {
    const y = num("label");
    $("test-n").value = test;
    lab.label = y !== null && y < 10 ? y : null;
    newInput({ kind: "test", n: lab.state.tests ? test % lab.state.tests : test });
    refresh();
  }
  markTile();
}

// updateHash keeps the address a shareable view of a test image (a drawing cannot be shared).
function updateHash() {
  if (!lab.input || lab.input.kind !== "test") {
    if (location.hash) history.replaceState(null, "", location.pathname + location.search);
    return;
  }
  const h = new URLSearchParams({ test: lab.input.n });
  if (lab.label !== null) h.set("label", lab.label);
  if (lab.unit !== null) h.set("unit", lab.unit);
  if (lab.colourBy === "d") h.set("colour", "delta");
  history.replaceState(null, "", "#" + h.toString());
}

// ---------- start ----------

function start() {
  pen.lineWidth = 20;
  pen.lineCap = "round";
  pen.lineJoin = "round";
  pen.strokeStyle = "#111";
  clearCanvas();
  render(null);
  renderHistory([]);
  renderConfusion(null);
  api("GET", "/api/state").then(applyState).catch(showError);
  // ?noevents=1 leaves the event stream closed (headless screenshots wait for the network).
  if (params.get("noevents") !== "1") connect();
}
start();
