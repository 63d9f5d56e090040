// lab.js draws what the Go server computes: the page never redoes the network's arithmetic.
// Every number shown comes from the JSON API (lab.go); the page only formats numbers, scales
// colours for display (a colour map normalised by the largest |value| of that map, which its
// legend prints), lays out the network's picture and chooses which of its edges to draw.
//
// The flow: one "current input" (a drawing, test image N or evaluation image N) and, optionally,
// a true digit y and a picked unit j of the first hidden layer. refresh() asks the server for
// the forward pass (or the backward pass and the gradient check once y is known) of that input
// and renders everything from the answer. The drawing is sent while the pen moves, a few times
// a second, as the canvas's own grey levels (no PNG to encode: that took up to a second on a
// busy machine). Training state arrives by Server-Sent Events; while the network learns,
// refresh() runs again, three times a second for the forward pass and once a second for the
// backward pass and the gradient check, so the answer for the learner's digit follows it.
//
// The main thread stays free while training runs at full speed: nothing reads the layout in a
// loop (the charts' and the network's sizes come from a ResizeObserver), the charts are redrawn
// on requestAnimationFrame at most four times a second, and the network's picture is built once
// for a layout and then updated in place (colours, edges), never rebuilt for new numbers.
"use strict";

const $ = (id) => document.getElementById(id);
const params = new URLSearchParams(location.search);
const SVG = "http://www.w3.org/2000/svg";

// What the page knows. None of it is a network quantity computed here.
const lab = {
  state: null,         // last /api/state (or state event), with progress events merged in
  input: null,         // null | {kind: "test"|"eval", n} | {kind: "draw", pixels (null until the server answers)}
  label: null,         // y chosen by the learner, or null (a test image defaults to its label)
  unit: null,          // picked unit j of the first hidden layer, or null
  selected: null,      // {l, j}: the node whose sum is shown (l counts layers of weights from 0)
  view: "s",           // what the learner asked the diagram to show: "s" forward σ(a), "d" backward δ
  result: null,        // last forward or backward answer
  check: null,         // last gradient check answer, for the current input
  cell: null,          // {t, p, tests, count, epoch, i}: the confusion cell being stepped through
  gen: 0,              // changes with every new input, so late answers for an old one are dropped
  busy: false, again: false, lastRefresh: 0, timer: null,
  lastWeights: 0, weightsURL: "", weightsKey: "",
  lastCheck: 0,        // when the gradient check last ran (it runs at most once a second while training)
  flow: false,         // y was just picked: the next backward pass is drawn flowing back
};
// sizes holds the content boxes of the charts and the network's box, from a ResizeObserver.
const sizes = new Map();
const reducedMotion = window.matchMedia("(prefers-reduced-motion: reduce)");
const training = () => !!(lab.state && lab.state.training);

// ---------- small helpers ----------

// fmt formats a number for reading: 4 decimals, or an exponent for tiny non-zero values.
function fmt(v, d = 4) {
  if (v === null || v === undefined) return "–";
  if (typeof v !== "number") return String(v);
  if (!isFinite(v)) return String(v);
  if (v !== 0 && Math.abs(v) < 1e-3) return v.toExponential(2);
  // Near ±1 (a saturated σ) 4 decimals would print 1.0000 and hide why σ'(a) is tiny.
  if (Math.abs(v) > 0.9999 && Math.abs(v) < 1) return v.toPrecision(10);
  if (Math.abs(v) >= 1e5) return v.toExponential(3);
  return v.toFixed(d);
}
const exp = (v, d = 3) => (v === null || v === undefined ? "–" : v === 0 ? "0" : v.toExponential(d));
// fix prints a column of numbers with the same d decimals each, whatever their size.
const fix = (v, d = 4) => (v === null || v === undefined ? "–" : v.toFixed(d));
const plural = (n, one, many) => `${n} ${n === 1 ? one : many}`;
const pct = (v) => (v === null || v === undefined ? "–" : (100 * v).toFixed(2) + "%");
const sub = (n) => String(n).replace(/\d/g, (c) => "₀₁₂₃₄₅₆₇₈₉"[c]);

// el builds an element: el("td", {className: "x"}, "text", child...).
function el(tag, props, ...children) {
  const e = document.createElement(tag);
  Object.assign(e, props || {});
  for (const c of children) if (c !== null && c !== undefined) e.append(c);
  return e;
}
// sv builds an SVG element with attributes.
function sv(tag, attrs, ...children) {
  const e = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
  for (const c of children) if (c !== null && c !== undefined) e.append(c);
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

// api sends a request and returns the parsed JSON, or throws the server's one-line "error". A
// request that cannot reach the server throws an error marked offline.
async function api(method, path, body, type = "application/json") {
  const opts = { method, headers: {} };
  if (body !== undefined) {
    opts.body = type === "application/json" ? JSON.stringify(body) : body;
    opts.headers["Content-Type"] = type;
  }
  let res;
  try {
    res = await fetch(path, opts);
  } catch (_) {
    const e = new Error("the lab does not answer: is `go run . -serve` still running?");
    e.offline = true;
    throw e;
  }
  let data = null;
  try { data = await res.json(); } catch (_) { /* not JSON: reported below */ }
  if (!res.ok) throw new Error((data && data.error) || `${method} ${path}: HTTP ${res.status}`);
  return data;
}

// showError puts a failed request's message in the status line (never alert()). While the
// event stream is down, its "disconnected" line already says what is wrong, and stays.
function showError(err) {
  if (err.offline && statusKind === "down") return;
  setStatus(err.message || String(err), "error");
}

// clearErrorStatus removes an old error or hint once a request succeeds (but keeps "disconnected").
function clearErrorStatus() { if (statusKind !== "down") setStatus(""); }

// ---------- colours (display only) ----------

// greyRGB maps σ(a) in 0..1 to white..dark navy.
function greyRGB(v) {
  const t = Math.max(0, Math.min(1, v));
  return [255 + (29 - 255) * t, 255 + (42 - 255) * t, 255 + (68 - 255) * t].map(Math.round);
}
// diverging maps v/max in −1..1 to blue..white..red, with the end colours of weights.png
// (plot.go, diverging): #b2182b for +1, #2166ac for −1.
function diverging(v, max) {
  const t = max > 0 ? Math.max(-1, Math.min(1, v / max)) : 0;
  const [r, g, b] = t >= 0 ? [0xb2, 0x18, 0x2b] : [0x21, 0x66, 0xac];
  const a = Math.abs(t);
  return [255 + (r - 255) * a, 255 + (g - 255) * a, 255 + (b - 255) * a].map(Math.round);
}
const rgb = (c) => `rgb(${c[0]},${c[1]},${c[2]})`;
const maxAbs = (xs) => xs.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
// luminance and textOn: black or white text, whichever contrasts more with the background
// (at least 4.58:1 for any background, by the WCAG formula).
function luminance(c) {
  const f = (x) => { x /= 255; return x <= 0.03928 ? x / 12.92 : ((x + 0.055) / 1.055) ** 2.4; };
  return 0.2126 * f(c[0]) + 0.7152 * f(c[1]) + 0.0722 * f(c[2]);
}
const textOn = (c) => ((luminance(c) + 0.05) / 0.05 >= 1.05 / (luminance(c) + 0.05) ? "#000" : "#fff");

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
// drawDiverging paints 784 signed values, normalised by their largest |value|, and returns it.
function drawDiverging(canvas, values) {
  const ctx = canvas.getContext("2d");
  const img = ctx.createImageData(28, 28);
  const m = maxAbs(values);
  values.forEach((v, i) => img.data.set([...diverging(v, m), 255], 4 * i));
  ctx.putImageData(img, 0, 0);
  return m;
}
// legend fills a legend box: the colour scale from −max to +max, and max itself.
function legend(box, max, what) {
  box.replaceChildren(
    el("div", { className: "bar", style: "background: linear-gradient(to right, #2166ac, #fff, #b2182b)" }),
    el("div", { className: "ends" }, el("span", {}, "−" + exp(max, 2)), el("span", {}, "0"), el("span", {}, "+" + exp(max, 2))),
    el("div", {}, `scale: largest |${what}| = ${exp(max, 3)}`));
}
// pixelsURL returns a data: URL of 784 grey levels as a 28×28 PNG, for the diagram's input.
function pixelsURL(pixels) {
  const c = el("canvas", { width: 28, height: 28 });
  drawGrey(c, pixels);
  return c.toDataURL();
}

// ---------- 1. input: the drawing pad ----------

const draw = $("draw");
const pen = draw.getContext("2d");
let inked = false;        // a blank canvas is never sent: the server answers 400
let padShows = "";        // "" empty, "draw" the learner's drawing, "image" a test image painted in
let drawBusy = 0, drawAgain = false, lastSend = 0, sendTimer = null;
let drawSent = 0, drawShown = 0; // numbers of the last drawing sent and of the last one shown
let padCSS = 0;

// setupPad gives the canvas a backing store of its CSS size times the device's pixel ratio
// (at most 3, so that a drawing stays within the server's 1,048,576 pixels), drawn in CSS
// pixels: sharp at any zoom, and never resampled by the browser.
function setupPad() {
  const avail = Math.max(200, Math.min(280, $("pad").parentElement.clientWidth - 2));
  const dpr = Math.min(3, window.devicePixelRatio || 1);
  if (avail === padCSS && draw.width === Math.round(avail * dpr)) return;
  const old = inked || padShows ? draw.toDataURL() : null;
  padCSS = avail;
  draw.width = draw.height = Math.round(avail * dpr);
  draw.style.width = draw.style.height = avail + "px";
  pen.setTransform(draw.width / avail, 0, 0, draw.height / avail, 0, 0);
  pen.lineWidth = 20 * avail / 280;
  pen.lineCap = "round";
  pen.lineJoin = "round";
  pen.strokeStyle = "#111";
  pen.fillStyle = "#fff";
  pen.fillRect(0, 0, avail, avail);
  if (old) {
    const img = new Image();
    img.onload = () => pen.drawImage(img, 0, 0, avail, avail);
    img.src = old;
  }
}

function clearCanvas() {
  pen.fillStyle = "#fff";
  pen.fillRect(0, 0, padCSS, padCSS);
  inked = false;
  padShows = "";
  $("pad-label").hidden = true;
}

// paintImage shows a test or evaluation image in the pad, as the network sees it (28×28).
function paintImage(pixels, label) {
  const c = el("canvas", { width: 28, height: 28 });
  drawGrey(c, pixels);
  pen.imageSmoothingEnabled = false;
  pen.drawImage(c, 0, 0, padCSS, padCSS);
  inked = false;
  padShows = "image";
  $("pad-label").textContent = label;
  $("pad-label").hidden = false;
}

// at converts a pointer event to the canvas's CSS pixels, inside its border.
function at(e) {
  const r = draw.getBoundingClientRect();
  const scale = padCSS / draw.clientWidth;
  return [(e.clientX - r.left - draw.clientLeft) * scale, (e.clientY - r.top - draw.clientTop) * scale];
}

// beginDrawing makes a fresh drawing the input, unless one is under way: y no longer applies.
function beginDrawing() {
  if (padShows === "draw" && lab.input && lab.input.kind === "draw") return;
  clearCanvas();
  padShows = "draw";
  lab.label = null;
  lab.check = null;
  lab.view = "s";
  hideCell();
  newInput({ kind: "draw", pixels: null });
  renderLabels();
}

let drawing = false;
draw.addEventListener("pointerdown", (e) => {
  e.preventDefault();
  draw.setPointerCapture(e.pointerId);
  beginDrawing();
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
  throttledSend();
});
const penUp = () => {
  if (!drawing) return;
  drawing = false;
  clearTimeout(sendTimer);
  sendTimer = null;
  sendDrawing(true);
};
draw.addEventListener("pointerup", penUp);
draw.addEventListener("pointercancel", penUp);

// The keyboard's pen: arrows move it (Shift: finer), the space bar lowers or lifts it; a move
// with the pen down draws, and the drawing is sent as with the mouse.
const kb = { x: 140, y: 140, down: false, shown: false };
function showPenCursor() {
  const c = $("pen-cursor");
  const k = draw.clientWidth / padCSS;
  c.style.left = `${draw.clientLeft + kb.x * k}px`;
  c.style.top = `${draw.clientTop + kb.y * k}px`;
  c.classList.toggle("down", kb.down);
  c.hidden = false;
}
draw.addEventListener("keydown", (e) => {
  const step = e.shiftKey ? 3 : 10;
  const moves = { ArrowLeft: [-step, 0], ArrowRight: [step, 0], ArrowUp: [0, -step], ArrowDown: [0, step] };
  if (e.key === " " || e.key === "Enter") {
    e.preventDefault();
    kb.down = !kb.down;
    if (kb.down) {
      beginDrawing();
      pen.beginPath();
      pen.moveTo(kb.x, kb.y);
      pen.lineTo(kb.x + 0.01, kb.y);
      pen.stroke();
      inked = true;
      throttledSend();
    } else sendDrawing(true);
    showPenCursor();
  } else if (moves[e.key]) {
    e.preventDefault();
    const [dx, dy] = moves[e.key];
    const nx = Math.max(0, Math.min(padCSS, kb.x + dx)), ny = Math.max(0, Math.min(padCSS, kb.y + dy));
    if (kb.down) {
      pen.beginPath();
      pen.moveTo(kb.x, kb.y);
      pen.lineTo(nx, ny);
      pen.stroke();
      throttledSend();
    }
    kb.x = nx; kb.y = ny;
    showPenCursor();
  } else if (e.key === "Escape") {
    kb.down = false;
    showPenCursor();
  }
});
draw.addEventListener("focus", () => { if (draw.matches(":focus-visible")) showPenCursor(); });
draw.addEventListener("blur", () => { $("pen-cursor").hidden = true; if (kb.down) { kb.down = false; sendDrawing(true); } });

$("clear").addEventListener("click", () => {
  clearCanvas();
  kb.down = false;
  hideCell();
  newInput(null);
  lab.label = null;
  lab.check = null;
  render(null);
});

// throttledSend sends the drawing at most every 120 ms while the pen moves, and once more
// after the last move, so that ŷ follows the stroke.
function throttledSend() {
  const wait = lastSend + 120 - Date.now();
  if (wait <= 0) { sendDrawing(); return; }
  if (!sendTimer) sendTimer = setTimeout(() => { sendTimer = null; sendDrawing(); }, wait);
}

// sendDrawing posts the canvas's grey levels; the server brings them to MNIST's form (mnistForm).
// While the pen moves, one request at a time: strokes made meanwhile are sent when it returns.
// When the pen lifts (final), the drawing goes at once, beside any request still on its way,
// whose answer, older, is then dropped.
function sendDrawing(final) {
  if (!inked || padShows !== "draw") return;
  if (drawBusy && !final) { drawAgain = true; return; }
  if (final) drawAgain = false;
  drawBusy++;
  const seq = ++drawSent;
  lastSend = Date.now();
  const input = lab.input, label = lab.label, gen = lab.gen;
  // The canvas is grey ink on white (R = G = B, opaque): its red channel is its grey level.
  const w = draw.width, h = draw.height, rgba = pen.getImageData(0, 0, w, h).data;
  const grey = new Uint8Array(w * h);
  for (let i = 0; i < grey.length; i++) grey[i] = rgba[4 * i];
  const q = new URLSearchParams({ width: w, height: h });
  if (lab.unit !== null) q.set("unit", lab.unit);
  if (label !== null) q.set("label", label); // the backward pass in the same request
  (async () => {
    try {
      const r = await api("POST", "/api/draw?" + q, grey, "application/octet-stream");
      if (lab.input === input && input && input.kind === "draw" && gen === lab.gen && seq > drawShown) {
        drawShown = seq;
        input.pixels = r.pixels;
        clearErrorStatus();
        if (lab.label !== label) refresh(); // y changed meanwhile: ask again with it
        else { render(r); if (label !== null) gradcheckSoon(); } // at once: the learner waits for it
      }
    } catch (err) {
      showError(err);
    } finally {
      drawBusy--;
      if (drawAgain && !drawBusy) { drawAgain = false; sendDrawing(); }
    }
  })();
}
// ---------- 1. input: test and evaluation images ----------

// showTest shows test image n, which must be a whole number within the test set.
function showTest(n, keepCell) {
  const tests = lab.state ? lab.state.tests : 0;
  if (!Number.isInteger(n) || n < 0 || (tests && n >= tests)) {
    setStatus(`test image N = ${$("test-n").value}: want a whole number from 0 to ${tests - 1}`, "error");
    return;
  }
  $("test-n").value = n;
  lab.label = null; // a test image's own label is used until the learner changes it
  lab.view = "d";
  if (!keepCell) hideCell();
  newInput({ kind: "test", n });
  refresh();
}
const typedN = () => { const s = $("test-n").value.trim(); return s === "" ? NaN : Number(s); };
$("test-show").addEventListener("click", () => showTest(typedN()));
$("test-n").addEventListener("keydown", (e) => { if (e.key === "Enter") $("test-show").click(); });
$("test-next").addEventListener("click", () => {
  const tests = lab.state ? lab.state.tests : 0;
  const cur = lab.input && lab.input.kind === "test" ? lab.input.n : typedN() - 1;
  showTest(Number.isInteger(cur) && tests ? (cur + 1) % tests : 0); // after the last, the first
});
$("test-mistake").addEventListener("click", async () => {
  const after = lab.input && lab.input.kind === "test" ? lab.input.n : -1;
  try {
    const r = await api("GET", `/api/mistake?after=${after}`);
    showTest(r.test);
  } catch (err) { showError(err); }
});

// showEval shows evaluation image n (a confusion cell's image).
function showEval(n) {
  lab.label = null;
  lab.view = "d";
  newInput({ kind: "eval", n });
  refresh();
}

// newInput makes x the current input; answers still on their way for the old one are dropped.
function newInput(input) {
  lab.input = input;
  lab.gen++;
  updateHash();
}

// ---------- forward / backward requests ----------

function passBody() {
  const i = lab.input;
  const body = i.kind === "test" ? { test: i.n } : i.kind === "eval" ? { eval: i.n } : { pixels: i.pixels };
  if (lab.unit !== null) body.unit = lab.unit;
  if (lab.label !== null) body.label = lab.label;
  return body;
}

// refresh asks for the pass of the current input: backward and the gradient check when y is
// known (a test image always has its label), forward otherwise. One request at a time; a call
// made meanwhile runs after.
async function refresh() {
  if (!lab.input || (lab.input.kind === "draw" && !lab.input.pixels)) return; // the drawing's answer will call again
  if (lab.busy) { lab.again = true; return; }
  lab.busy = true;
  const gen = lab.gen;
  const body = passBody();
  const backward = lab.input.kind !== "draw" || lab.label !== null;
  try {
    const r = await api("POST", backward ? "/api/backward" : "/api/forward", body);
    if (gen === lab.gen) { show(r); clearErrorStatus(); }
    if (backward && gen === lab.gen) await gradcheck(body, gen);
  } catch (err) {
    showError(err);
  } finally {
    lab.busy = false;
    lab.lastRefresh = Date.now();
    if (lab.again) { lab.again = false; refresh(); }
  }
}

// gradcheck runs the gradient check of the current example: at once when paused, at most once
// a second while training (twelve forward passes on the server, and a table to redraw).
async function gradcheck(body, gen) {
  if (training() && Date.now() - lab.lastCheck < 1000 && lab.check) return;
  lab.lastCheck = Date.now();
  const c = await api("POST", "/api/gradcheck", body);
  if (gen === lab.gen) { lab.check = c; renderGradcheck(); }
}
function gradcheckSoon() {
  if (!lab.input || !lab.input.pixels) return;
  gradcheck(passBody(), lab.gen).catch(showError);
}

// show renders an answer on the next animation frame: answers that arrive within one frame
// are drawn once, the last.
let shown = null, showFrame = 0;
function show(r) {
  shown = r;
  if (!showFrame) showFrame = requestAnimationFrame(() => { showFrame = 0; const x = shown; shown = null; render(x); });
}
// scheduleRefresh re-runs the pass after the network changed: at once when paused; while
// training, at most three times a second for the forward pass and once a second for the
// backward pass and its gradient check.
function scheduleRefresh() {
  if (!lab.input || lab.timer) return;
  const backward = lab.input.kind !== "draw" || lab.label !== null;
  const every = !training() ? 0 : backward ? 1000 : 330;
  const wait = Math.max(0, lab.lastRefresh + every - Date.now());
  lab.timer = setTimeout(() => { lab.timer = null; refresh(); }, wait);
}
// ---------- rendering an answer ----------

const hasBack = (r) => r && r.loss !== undefined && Array.isArray(r.delta);
const showsDelta = () => lab.view === "d" && hasBack(lab.result);

// render shows a forward answer r (or a backward one, which carries the forward fields too).
function render(r) {
  lab.result = r;
  $("prediction").textContent = r ? String(r.prediction) : "";
  if (!r) {
    $("input-info").textContent = "No input yet.";
    $("net-info").textContent = "";
    $("outputs").replaceChildren();
    $("outputs").setAttribute("aria-label", "output ŷ: no input yet");
    $("loss-box").replaceChildren();
    $("below").hidden = true;
    $("forward").hidden = true;
    $("back-body").hidden = true;
    $("back-off").hidden = false;
    renderNet(null);
    renderLabels();
    renderNodePanel();
    markSteps();
    return;
  }
  if (lab.input && lab.input.kind !== "draw") {
    paintImage(r.pixels, (lab.input.kind === "test" ? "test " : "evaluation ") + "image " + lab.input.n);
  }
  $("input-info").textContent = inputInfo(r);
  $("net-info").textContent = "This answer's network: " + originText(r.epoch, r.batch_done, true);
  renderOutputs(r);
  renderNet(r);
  renderNodePanel();
  renderUnit(r);
  renderLabels();
  renderBackward(r);
  if (!hasBack(r)) { lab.check = null; renderGradcheck(); }
  markSteps();
}

// originText says what the network is (GET /api/state's origin) after `epoch` epochs and
// `batches` mini-batches trained here: never "untrained" for a network loaded after training.
function originText(epoch, batches, short) {
  const o = lab.state && lab.state.origin;
  if (!o) return `after epoch ${epoch}`;
  const here = epoch || batches
    ? `trained here ${plural(epoch, "epoch", "epochs")}` + (batches ? ` and ${plural(batches, "mini-batch", "mini-batches")} of the next` : "")
    : "";
  if (o.kind === "loaded") {
    const before = o.saved_epochs === null ? "its file does not say how long it was trained" : `trained ${plural(o.saved_epochs, "epoch", "epochs")} before it was saved`;
    return `loaded from ${o.file} (${before})` + (here ? `, then ${here}` : short ? "" : ", not trained further here");
  }
  if (here) return `seeded (-seed ${o.seed}), then ${here}`;
  return short ? `seeded (-seed ${o.seed}), untrained: epoch 0, the starting weights`
    : `untrained: seeded with -seed ${o.seed}, epoch 0, so its weights are random and it answers the same few digits whatever you draw`;
}
// untrainedNow says whether the network has never been trained, here or before it was saved.
function untrainedNow(s) {
  const o = s.origin;
  return !s.epoch && !s.batch_done && (!o || o.kind === "seeded" || o.saved_epochs === 0);
}

// markSteps ticks the three steps of the strip as they are done.
function markSteps() {
  const s = lab.state;
  $("step-draw").classList.toggle("done", !!lab.result);
  $("step-y").classList.toggle("done", hasBack(lab.result));
  $("step-train").classList.toggle("done", !!s && !untrainedNow(s));
}

// inputInfo says what the input is and where y comes from.
function inputInfo(r) {
  const i = lab.input;
  if (!i || i.kind === "draw") return "Your drawing, in MNIST's form (mnistForm, predict.go).";
  const name = (i.kind === "test" ? "Test image " : "Evaluation image ") + i.n;
  const own = r.image_label;
  if (lab.label === null || lab.label === own) return `${name}, label ${own}: y = ${own}.`;
  return `${name}, label ${own}; y = ${lab.label}, chosen by you.`;
}

// renderOutputs draws ŷ_k as horizontal bars, the predicted digit highlighted.
function renderOutputs(r) {
  const back = hasBack(r), y = back ? r.label : null, box = $("outputs");
  if (box.children.length !== r.yhat.length) {
    box.replaceChildren(...r.yhat.map((_, k) => {
      const fill = el("div", { className: "bar-fill" });
      return el("div", { className: "bar-row" }, el("span", { className: "digit" }, String(k)), el("div", { className: "bar-track" }, fill),
        el("span", { className: "val" }), el("span", { className: "dv" }));
    }));
  }
  box.classList.toggle("with-delta", back);
  r.yhat.forEach((v, k) => {
    const row = box.children[k], [, track, val, dv] = row.children;
    row.className = "bar-row" + (k === r.prediction ? " pred" : "") + (k === y ? " truth" : "");
    track.firstChild.style.width = `${Math.max(0, Math.min(1, v)) * 100}%`;
    val.textContent = fix(v, 4);
    dv.textContent = back ? "δ " + exp(r.delta[r.layers.length - 1][k], 1) : "";
    row.title = `ŷ${sub(k)} = ${v.toPrecision(8)}` + (back ? `, δ${sub(k)} = ŷ${sub(k)} − y${sub(k)} = ${exp(r.delta[r.layers.length - 1][k], 6)}` : "") + (k === y ? " (true digit)" : "");
  });
  box.setAttribute("aria-label", "output ŷ: " + r.yhat.map((v, k) => `${k}: ${fix(v, 3)}`).join(", ") + `; predicted ${r.prediction}`);
  // Picking y puts L and δ beside ŷ at once, and says where the rest of the backward pass is.
  $("loss-box").replaceChildren(...(back ? [el("div", { className: "formula" }, `L = ${fmt(r.loss)}`, src("loss, network.go")),
    el("div", { className: "hint" }, "δₖ = ŷₖ − yₖ beside each ŷₖ: how much each output pushes back.")] : []));
  $("below").hidden = !back;
}
// ---------- the network, drawn ----------

// Between two layers every edge is drawn up to allEdges of them (the course's 20×10 = 200);
// beyond, only the fewEdges strongest by |value|, and every edge of the selected unit.
const allEdges = 200, fewEdges = 120;

// tileGeometry: where unit j's tile sits in weights.png (weightTiles, plot.go): tiles of 56×56
// pixels every 58, from (2, 2), in ⌈√units⌉ columns.
function tileGeometry(units) {
  const cols = Math.ceil(Math.sqrt(units)), rows = Math.ceil(units / cols);
  return { cols, rows, W: cols * 58 + 2, H: rows * 58 + 2, at: (j) => [2 + (j % cols) * 58, 2 + Math.floor(j / cols) * 58] };
}

// layoutRow places n nodes in rows across width w: the largest node size from big down to
// small whose rows stay within maxH.
function layoutRow(n, w, big, small, maxH) {
  let s = big;
  for (; s > small; s--) {
    const per = Math.max(1, Math.floor(w / s));
    if (Math.ceil(n / per) * s <= maxH) break;
  }
  const per = Math.max(1, Math.min(n, Math.floor(w / s)));
  const rows = Math.ceil(n / per);
  const across = Math.ceil(n / rows); // balanced rows
  return { s, rows, across, h: rows * s };
}

// The network's picture is built once for a layout (its width, the sizes, forward or backward)
// by buildNet, and then updated in place by updateNet for every new answer: the nodes' colours,
// the edges (a pool of paths, reassigned), the input image, the captions. Nothing in an update
// reads the layout back.
const netView = { key: "", pos: null, nodes: null, edges: [], input: null, pixels: null, L: 0, W: 0 };

// renderNet draws the network: the input, the hidden units (the first layer's with their
// weight tiles), the output units, and the strongest edges between the layers above the input.
function renderNet(r) {
  const svg = $("net");
  if (!r) {
    netView.key = "";
    svg.replaceChildren(sv("text", { x: 0, y: 24, class: "muted" }, "Draw a digit or pick a test image: the network lights up here."));
    svg.setAttribute("width", Math.max(260, netWidth()));
    svg.setAttribute("height", 60);
    svg.setAttribute("aria-label", "the network: no input yet");
    $("net-caption").textContent = "";
    $("net-legend").replaceChildren();
    closeNodePanel();
    return;
  }
  const back = showsDelta();
  const W = Math.max(260, netWidth());
  const netSizes = lab.state ? lab.state.sizes : [784, ...r.layers.map((x) => x.s.length)];
  const key = [W, netSizes.join("-"), back].join("|");
  if (key !== netView.key) buildNet(r, W, netSizes, back, key);
  updateNet(r, back);
}

// netWidth is the width of the network's box, as the ResizeObserver last measured it.
function netWidth() {
  const s = sizes.get($("net-box"));
  return s ? s.w : $("net-box").clientWidth;
}

// buildNet lays the picture out: rows of nodes, the first hidden layer in one row wherever its
// nodes fit at 16 pixels or more, so that no edge passes under a node; titles; the pool of edges.
function buildNet(r, W, netSizes, back, key) {
  const svg = $("net");
  const hadFocus = svg.contains(document.activeElement) && lab.selected;
  svg.replaceChildren();
  svg.setAttribute("width", W);
  const L = r.layers.length;
  const pad = 4, avail = W - 2 * pad;
  const defs = sv("defs", {});
  for (const [id, colour] of [["arr-pos", "#b2182b"], ["arr-neg", "#2166ac"]]) {
    defs.append(sv("marker", { id, viewBox: "0 0 10 10", refX: 5, refY: 5, markerWidth: 7, markerHeight: 7, markerUnits: "userSpaceOnUse", orient: "auto" },
      sv("path", { d: "M0,1 L9,5 L0,9 z", fill: colour })));
  }
  svg.append(defs);
  const edgesG = sv("g", {}), nodesG = sv("g", {}), textG = sv("g", {});
  svg.append(edgesG, nodesG, textG);

  // The input x, centred at the top.
  textG.append(sv("text", { x: pad, y: 14 }, "input x (28×28 pixels)"));
  netView.input = sv("image", { x: (W - 56) / 2, y: 20, width: 56, height: 56, style: "image-rendering: pixelated", class: "flow-in" });
  netView.input.style.setProperty("--d", "450ms");
  nodesG.append(netView.input, sv("rect", { x: (W - 56) / 2 - 0.5, y: 19.5, width: 57, height: 57, class: "ring" }));
  netView.pixels = null;
  let y = 84;

  const pos = [], nodes = [];
  for (let l = 0; l < L; l++) {
    const n = r.layers[l].s.length, out = l === L - 1;
    const one = Math.min(out ? 44 : 60, Math.floor(avail / n));
    const lay = out ? layoutRow(n, avail, 44, 24, 44)
      : one >= 16 ? { s: one, rows: 1, across: n, h: one } : layoutRow(n, avail, 40, 12, 200);
    const inName = l === 0 ? "x" : `σ(a${sub(l)})`;
    const title = (out ? `output layer ŷ = σ(a${sub(l + 1)})` : `hidden layer ${l + 1}: σ(a${sub(l + 1)})`) +
      ` · ${n} units · ` + (back ? (l === L - 1 ? `δ = ŷ − y` : `δ${sub(l + 1)} = (W${sub(l + 2)}ᵀδ${sub(l + 2)}) ⊙ σ′(a${sub(l + 1)})`) :
        `a${sub(l + 1)} = W${sub(l + 1)}·${inName} + b${sub(l + 1)}`) + (back ? "  ↑ backward" : "  ↓ forward");
    // The title on one line, or on two where the picture is too narrow for one (a phone), on a
    // white ground. Measured here, once per layout.
    const ground = sv("rect", { fill: "#fff", "fill-opacity": 0.88 });
    const t1 = sv("text", { x: pad, y: y + 13 }, title);
    textG.append(ground, t1);
    let lines = 1, tw = t1.getComputedTextLength();
    if (tw > W - 2 * pad) {
      const cut = title.indexOf(" units · ") + 7;
      t1.textContent = title.slice(0, cut);
      const t2 = sv("text", { x: pad, y: y + 29 }, title.slice(cut + 2));
      textG.append(t2);
      tw = Math.max(t1.getComputedTextLength(), t2.getComputedTextLength());
      lines = 2;
    }
    Object.entries({ x: pad - 2, y: y + 1, width: tw + 4, height: 16 * lines + 1 }).forEach(([k, v]) => ground.setAttribute(k, v));
    y += 20 + 16 * (lines - 1);
    pos[l] = [];
    nodes[l] = [];
    const rowW = lay.across * lay.s, x0 = (W - rowW) / 2;
    const delay = Math.round(450 * (L - 1 - l) / L); // δ flows from the outputs back to the input
    for (let j = 0; j < n; j++) {
      const row = Math.floor(j / lay.across), col = j % lay.across;
      const p = { x: x0 + col * lay.s, y: y + row * lay.s, s: lay.s };
      pos[l].push(p);
      const nd = makeNode(l, j, p, out, netSizes[1]);
      nd.g.style.setProperty("--d", delay + "ms");
      nodes[l].push(nd);
      nodesG.append(nd.g);
    }
    y += lay.h + (out ? 4 : 70);
  }
  svg.setAttribute("height", Math.ceil(y + 2));
  Object.assign(netView, { key, pos, nodes, edgesG, L, W, edges: [], tiles: "" });
  if (hadFocus) {
    const nd = netView.nodes[lab.selected.l] && netView.nodes[lab.selected.l][lab.selected.j];
    if (nd) nd.g.focus({ preventScroll: true });
  }
}

// makeNode makes one unit's elements and its events, once per layout; updateNet colours it.
function makeNode(l, j, p, out, units) {
  const g = sv("g", { class: "node", tabindex: 0, role: "button", "data-node": `${l}:${j}` });
  const inset = 1.5, side = p.s - 2 * inset;
  const fill = sv("rect", { x: p.x + inset, y: p.y + inset, width: side, height: side, rx: 3, class: "fill" });
  g.append(fill);
  let tile = null, label = null;
  if (l === 0 && side >= 14) {
    const [tx, ty] = tileGeometry(units).at(j), geo = tileGeometry(units);
    const ring = Math.max(2, Math.round(side * 0.12));
    const ts = side - 2 * ring;
    tile = sv("image", { x: 0, y: 0, width: geo.W, height: geo.H, style: "image-rendering: pixelated" });
    g.append(sv("svg", { x: p.x + inset + ring, y: p.y + inset + ring, width: ts, height: ts, viewBox: `${tx} ${ty} 56 56`, preserveAspectRatio: "none" }, tile));
  }
  if (out) {
    label = sv("text", { x: p.x + p.s / 2, y: p.y + p.s / 2 + 5, "text-anchor": "middle", class: "mono", style: `font-size: ${p.s >= 34 ? 15 : 12}px` }, String(j));
    g.append(label);
  }
  g.append(sv("rect", { x: p.x + inset, y: p.y + inset, width: side, height: side, rx: 3, class: "ring" }));
  const title = sv("title", {});
  g.append(title);
  // Focus shows the unit's sum; only a click or Enter picks a first-layer unit, which asks the
  // server again (tabbing through the picture sends nothing).
  g.addEventListener("click", () => selectNode(l, j, true, true));
  g.addEventListener("focus", () => selectNode(l, j));
  g.addEventListener("keydown", (e) => {
    if (e.key === "Enter" || e.key === " ") { e.preventDefault(); selectNode(l, j, true, true); }
    if (e.key === "Escape") closeNodePanel();
  });
  g.addEventListener("mouseenter", () => hover(l, j));
  g.addEventListener("mouseleave", () => hover(null));
  return { g, fill, tile, label, title, p, tileURL: "" };
}

// updateNet puts an answer's numbers into the picture built for it.
function updateNet(r, back) {
  const svg = $("net"), L = netView.L, pos = netView.pos;
  if (!sameNumbers(netView.pixels, r.pixels)) { // the input image is made again only when it changes
    netView.pixels = r.pixels;
    netView.input.setAttribute("href", pixelsURL(r.pixels));
  }
  // δ on one fixed scale for the whole network and every example, so that a confident right
  // answer is pale and a wrong one is not: the colour goes with √|δ| (δ of one unit in ten
  // thousand still shows), full at |δ| = 1, the most an output's δ = ŷ − y can be.
  const dmax = hasBack(r) ? Math.max(...r.delta.map(maxAbs)) : 0;
  for (let l = 0; l < L; l++) {
    const delta = hasBack(r) ? r.delta[l] : null, out = l === L - 1;
    netView.nodes[l].forEach((nd, j) => {
      const s = r.layers[l].s[j];
      const fill = back && delta ? diverging(Math.sign(delta[j]) * Math.sqrt(Math.abs(delta[j])), 1) : greyRGB(s);
      nd.fill.setAttribute("fill", rgb(fill));
      if (nd.tile && lab.weightsURL && nd.tileURL !== lab.weightsURL) { nd.tile.setAttribute("href", lab.weightsURL); nd.tileURL = lab.weightsURL; }
      if (nd.label) nd.label.style.fill = textOn(fill);
      const name = out ? `output unit ${j} (digit ${j})` : `hidden layer ${l + 1}, unit ${j}`;
      nd.g.setAttribute("aria-label", `${name}: ${out ? "ŷ" : "σ(a)"} = ${fmt(s)}` + (delta ? `, δ = ${exp(delta[j])}` : ""));
      nd.title.textContent = `${name}: a = ${fmt(r.layers[l].a[j])}, σ(a) = ${fmt(s)}` + (delta ? `, δ = ${exp(delta[j])}` : "");
      nd.g.classList.toggle("selected", !!lab.selected && lab.selected.l === l && lab.selected.j === j);
    });
  }

  // Edges between layer l−1 and l (l ≥ 1: the weights of layer l+1, counted from 1), from a pool.
  const notes = [];
  let used = 0;
  const sel = lab.selected;
  for (const e of r.edges || []) {
    const l = e.layer - 1; // the layer of units the weights lead to
    const vals = back && e.back_terms ? e.back_terms : e.w;
    const list = [];
    vals.forEach((row, k) => row.forEach((v, j) => list.push([Math.abs(v), v, k, j])));
    const total = list.length;
    const m = list.reduce((a, x) => Math.max(a, x[0]), 0) || 1;
    const mine = ([, , k, j]) => sel && ((sel.l === l && sel.j === k) || (sel.l === l - 1 && sel.j === j));
    let kept = list;
    if (total > allEdges) {
      list.sort((a, b) => b[0] - a[0]);
      kept = list.slice(0, fewEdges).concat(list.slice(fewEdges).filter(mine));
    }
    const delay = Math.round(450 * (netView.L - l - 0.5) / netView.L);
    for (const [abs, v, k, j] of kept.sort((a, b) => a[0] - b[0])) { // the strongest on top
      const a = pos[l - 1][j], b = pos[l][k];
      const x1 = a.x + a.s / 2, y1 = a.y + a.s - 1, x2 = b.x + b.s / 2, y2 = b.y + 1;
      const t = abs / m;
      const touches = mine([abs, v, k, j]);
      const dim = sel && !touches && (sel.l === l || sel.l === l - 1) ? 0.25 : 1;
      const [fx, fy, tx, ty] = back ? [x2, y2, x1, y1] : [x1, y1, x2, y2];
      const path = edgePath(used++);
      path.setAttribute("d", `M${fx},${fy} L${(fx + tx) / 2},${(fy + ty) / 2} L${tx},${ty}`);
      path.setAttribute("stroke", v >= 0 ? "#b2182b" : "#2166ac");
      path.setAttribute("stroke-width", (0.6 + 3.4 * t).toFixed(2));
      path.setAttribute("stroke-opacity", ((0.1 + 0.9 * t) * dim).toFixed(3));
      path.setAttribute("marker-mid", t > 0.35 ? `url(#${v >= 0 ? "arr-pos" : "arr-neg"})` : "none");
      path.setAttribute("data-edge", `${e.layer}:${k}:${j}`);
      path.style.setProperty("--d", delay + "ms");
      // The selected unit's edges can be reached with Tab, to read each one.
      if (touches) path.setAttribute("tabindex", "0"); else path.removeAttribute("tabindex");
      path.removeAttribute("display");
    }
    notes.push(`W${sub(e.layer)}: ` + (total > allEdges ? `the ${fewEdges} strongest of ${total} edges (and all of the selected unit's)` : `all ${total} edges`) +
      `, widest |${back ? "w·δ" : "w"}| = ${exp(m, 2)}`);
  }
  for (let i = used; i < netView.edges.length; i++) netView.edges[i].setAttribute("display", "none");

  const nodeNote = back
    ? `Nodes: δ, blue − and red +, on one scale for every unit and every example, the colour growing with √|δ| up to |δ| = 1 (here the largest |δ| is ${exp(dmax, 2)}).`
    : "Nodes: σ(a), white 0 to dark 1.";
  const edgeNote = back
    ? "Edges: the signal each carries back, wₖⱼ·δₖ, red + and blue −, as wide as its size, arrows toward the input."
    : "Edges: the weights w, red + and blue −, as wide as |w|, arrows toward the output.";
  $("net-caption").textContent = `${nodeNote} ${edgeNote} ${notes.join("; ")}. The first layer's weights are the tiles inside its nodes, each scaled by its own largest |w|.`;
  netLegend(back, dmax);
  svg.setAttribute("aria-label", `the network ${(lab.state ? lab.state.sizes : []).join("-")}, showing ${back ? "the backward pass, δ" : "the forward pass, σ(a)"}; each unit is a button`);
  // y was just picked: δ is drawn flowing back from the outputs to the input, once.
  if (lab.flow && back) {
    lab.flow = false;
    if (!reducedMotion.matches) {
      svg.classList.remove("flow"); // and back on the next frame, which starts the animation again
      requestAnimationFrame(() => { svg.classList.add("flow"); setTimeout(() => svg.classList.remove("flow"), 900); });
    }
  }
  if (lab.selected) placeNodePanel();
}

// edgePath returns the i-th path of the pool, making it the first time.
function edgePath(i) {
  while (netView.edges.length <= i) {
    const path = sv("path", { class: "edge" });
    path.addEventListener("mouseenter", () => edgeInfo(path));
    path.addEventListener("focus", () => edgeInfo(path));
    path.addEventListener("mouseleave", () => edgeInfo(null));
    path.addEventListener("blur", () => edgeInfo(null));
    netView.edgesG.append(path);
    netView.edges.push(path);
  }
  return netView.edges[i];
}

// edgeInfo says what one edge holds: its weight, what it carries forward and, after the backward
// pass, back — the server's numbers (edgesOf, lab_passes.go).
function edgeInfo(path) {
  const box = $("edge-info"), r = lab.result;
  if (!path || !r) {
    box.textContent = "Hover or focus an edge for its weight and what it carries; click or focus a unit for its sum, term by term.";
    return;
  }
  const [layer, k, j] = path.getAttribute("data-edge").split(":").map(Number);
  const e = r.edges.find((x) => x.layer === layer);
  if (!e) return;
  const L = r.layers.length;
  const from = layer === 2 ? `hidden unit ${j}` : `unit ${j} of layer ${layer - 1}`;
  const to = layer === L ? `output ${k}` : `unit ${k} of layer ${layer}`;
  const parts = [`W${sub(layer)}, from ${from} to ${to}: w = ${exp(e.w[k][j], 4)}`, `forward w·σ(aⱼ) = ${exp(e.terms[k][j], 4)}`];
  if (e.back_terms) parts.push(`backward w·δₖ = ${exp(e.back_terms[k][j], 4)}`);
  box.textContent = parts.join(" · ");
}

// sameNumbers says whether two arrays hold the same numbers (the input image is kept while so).
function sameNumbers(a, b) {
  if (!a || !b || a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

// netLegend is the diagram's key: what the nodes' colours and the edges mean, and the scale.
let legendKey = "";
function netLegend(back, dmax) {
  const key = back + ":" + exp(dmax, 2);
  if (key === legendKey) return;
  legendKey = key;
  const bar = (bg) => el("span", { className: "key-bar", style: `background: ${bg}` });
  $("net-legend").replaceChildren(
    back
      ? el("span", {}, "δ: ", el("span", { className: "num" }, "−1"), " ", bar("linear-gradient(to right, #2166ac, #fff, #b2182b)"), " ", el("span", { className: "num" }, "+1"),
        el("span", { className: "ticks" }, " (±0.01 at a tenth, ±0.25 at half)"))
      : el("span", {}, "σ(a): ", el("span", { className: "num" }, "0"), " ", bar("linear-gradient(to right, #fff, #1d2a44)"), " ", el("span", { className: "num" }, "1")),
    el("span", {}, el("span", { className: "key-line pos" }), back ? " w·δ > 0 " : " w > 0 ", el("span", { className: "key-line neg" }), back ? " w·δ < 0" : " w < 0"),
    el("span", {}, back ? "width ∝ |w·δ| · arrows toward the input" : "width ∝ |w| · arrows toward the output"));
}

// selectNode opens a node's sum beside it; pick (a click, Enter) also picks a first-layer unit,
// whose weights are then asked for.
function selectNode(l, j, force, pick) {
  const same = lab.selected && lab.selected.l === l && lab.selected.j === j;
  if (same && !force) return;
  lab.selected = { l, j };
  if (pick && l === 0 && lab.unit !== j) { pickUnit(j); }
  if (lab.result && netView.key) updateNet(lab.result, showsDelta());
  renderNodePanel();
  markRows();
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

// hover highlights one unit everywhere it appears: its node, its tile, its δ row.
function hover(l, j) {
  document.querySelectorAll("#net .node.hl").forEach((n) => n.classList.remove("hl"));
  document.querySelectorAll("#hid-delta tr.hover").forEach((n) => n.classList.remove("hover"));
  $("tile-hover").hidden = true;
  if (l === null || l === undefined) return;
  const n = $("net").querySelector(`[data-node="${l}:${j}"]`);
  if (n) n.classList.add("hl");
  const row = $("hid-delta").querySelector(`[data-row="${l}:${j}"]`);
  if (row) row.classList.add("hover");
  if (l === 0) placeTileBox($("tile-hover"), j);
}

// placeNodePanel puts the sum's panel beside the selected node: under it, or over it for a node
// low in the picture, within the picture's width.
function placeNodePanel() {
  const box = $("node-panel"), s = lab.selected;
  const p = s && netView.pos && netView.pos[s.l] && netView.pos[s.l][s.j];
  if (!p || box.hidden) return;
  const w = Math.min(netView.W, 440);
  box.style.width = w + "px";
  box.style.left = Math.max(0, Math.min(netView.W - w, p.x + p.s / 2 - w / 2)) + "px";
  const low = s.l === netView.L - 1;
  box.style.top = low ? "" : (p.y + p.s + 6) + "px";
  box.style.bottom = low ? `calc(100% - ${p.y - 6}px)` : "";
}
function closeNodePanel() {
  $("node-panel").hidden = true;
  if (lab.selected) { lab.selected = null; if (lab.result && netView.key) updateNet(lab.result, showsDelta()); markRows(); }
}

// renderNodePanel shows the selected node's sum, term by term, from the server's terms, in a
// panel beside the node.
function renderNodePanel() {
  const box = $("node-panel"), r = lab.result, s = lab.selected;
  if (!r || !s || !r.layers[s.l] || s.j >= r.layers[s.l].s.length) {
    box.hidden = true;
    return;
  }
  const L = r.layers.length, out = s.l === L - 1, layer = r.layers[s.l], j = s.j;
  const close = el("button", { type: "button", className: "close", textContent: "×" });
  close.setAttribute("aria-label", "close the sum");
  close.addEventListener("click", closeNodePanel);
  const parts = [close, el("b", {}, out ? `Output unit ${j} (digit ${j})` : `Hidden layer ${s.l + 1}, unit ${j}`)];
  const terms = (list, label) => el("div", { className: "terms" }, ...list
    .map((v, i) => [Math.abs(v), v, i]).sort((a, b) => b[0] - a[0])
    .map(([, v, i]) => el("span", {}, `${label(i)} ${v >= 0 ? "+" : "−"}${exp(Math.abs(v))}`)));
  if (showsDelta()) {
    const d = r.delta[s.l][j];
    if (out) {
      const dv = r.derivation;
      parts.push(el("div", { className: "formula" },
        dv.dl_dyhat[j] === null
          ? `ŷ = ${exp(layer.s[j], 6)} is exactly ${layer.s[j]}: ∂L/∂ŷ divides by ŷ(1 − ŷ) = 0, so δ = ŷ − y is computed directly: δ = ${exp(d, 6)}`
          : `δ = ŷ − y = ${exp(layer.s[j], 6)} − ${r.y[j]} = ${exp(d, 6)}; the course's two factors: ∂L/∂ŷ × ∂ŷ/∂a = ${exp(dv.dl_dyhat[j], 6)} × ${exp(dv.dyhat_da[j], 6)} = ${exp(dv.product[j], 6)}`,
        src("runExample, explain.go; outputDelta, backprop.go")));
    } else {
      const e = r.edges[s.l]; // the weights of layer s.l + 2, from this layer to the next
      parts.push(el("div", {}, `The signals wₖⱼ·δₖ that come back to it from the ${e.back_terms.length} units k of the layer above, largest first:`),
        terms(e.back_terms.map((row) => row[j]), (k) => `k=${k}:`),
        el("div", { className: "formula" }, `they add up to (Wᵀδ)ⱼ = ${exp(r.back[s.l][j])}; × σ′(aⱼ) = σ(a)(1 − σ(a)) = ${exp(r.dsigma[s.l][j])}; = δⱼ = ${exp(d)}`,
          src("hiddenDelta, backprop.go; the terms: edgesOf, lab_passes.go")));
    }
  } else if (s.l === 0) {
    parts.push(el("div", { className: "formula" }, `aⱼ = Σᵢ xᵢ·wⱼᵢ + bⱼ = ${fmt(layer.a[j])}; σ(aⱼ) = ${fmt(layer.s[j])}`, src("layerForward, network.go")),
      el("div", {}, lab.unit === j ? "Its 784 terms xᵢ·wⱼᵢ are the contributions map below." : "Click or press Enter to see its 784 terms xᵢ·wⱼᵢ as a map below."));
  } else {
    const e = r.edges[s.l - 1]; // the weights into this layer
    parts.push(el("div", {}, `The terms wₖⱼ·σ(aⱼ) from the ${e.terms[j].length} units j of the layer below, largest first, and the bias:`),
      terms(e.terms[j], (i) => `j=${i}:`),
      el("div", { className: "formula" }, `bₖ = ${fmt(e.b[j])}; all add up to aₖ = ${fmt(layer.a[j])}; ${out ? "ŷₖ = σ(aₖ)" : "σ(aₖ)"} = ${fmt(layer.s[j])}`,
        src("layerForward, network.go; the terms: edgesOf, lab_passes.go")));
  }
  box.replaceChildren(...parts);
  box.hidden = false;
  placeNodePanel();
}

// renderUnit shows the picked first-layer unit: weights, contributions x⊙w and the sum.
function renderUnit(r) {
  const u = r.unit;
  $("forward").hidden = !u;
  if (!u) return;
  $("unit-name").textContent = String(u.j);
  legend($("leg-w"), drawDiverging($("map-w"), u.w), "w");
  legend($("leg-contrib"), drawDiverging($("map-contrib"), u.contrib), "x·w");
  $("map-w").setAttribute("aria-label", `weights of unit ${u.j}, 28×28, red positive, blue negative`);
  $("map-contrib").setAttribute("aria-label", `contributions xᵢ·wᵢ of unit ${u.j}, 28×28`);
  $("unit-sum").replaceChildren(
    el("div", {}, `b = ${fmt(u.b)}`),
    el("div", {}, `Σᵢ xᵢwᵢ = ${fmt(u.wx)}`, src("xᵢ·wᵢ and their sum, in pixel order — unitLook, lab_passes.go")),
    el("div", {}, `a = Σᵢ xᵢwᵢ + b = ${fmt(u.wx)} + ${fmt(u.b)} = ${fmt(u.a)}`, src("a = W·x + b — layerForward, network.go")),
    el("div", {}, `σ(a) = 1/(1+e^(−a)) = ${fmt(u.s)}`, src("sigmoid, network.go")));
}

// renderLabels draws the ten buttons for y, the one in use pressed.
function renderLabels() {
  const r = lab.result;
  const y = lab.label !== null ? lab.label : (r && hasBack(r) ? r.label : null);
  const box = $("labels");
  if (!box.children.length) {
    for (let k = 0; k < 10; k++) {
      const b = el("button", { type: "button", textContent: String(k) });
      b.setAttribute("aria-label", `y = ${k}`);
      b.addEventListener("click", () => {
        if (!lab.input) { setStatus("Draw a digit or show a test image first."); return; }
        lab.label = k;
        lab.view = "d";
        lab.flow = true;
        updateHash();
        renderLabels();
        refresh();
      });
      box.append(b);
    }
  }
  [...box.children].forEach((b, k) => b.setAttribute("aria-pressed", String(k === y)));
  const info = $("label-info"), i = lab.input;
  const own = r && r.image_label !== undefined ? r.image_label : null;
  if (!i) info.textContent = "Draw a digit or show a test image, then pick its true digit y.";
  else if (i.kind !== "draw" && (lab.label === null || lab.label === own)) info.textContent = "y is the image's label; click another digit to see what the backward pass does with it.";
  else if (i.kind !== "draw") info.textContent = `y = ${lab.label} is your choice; the image's label is ${own} (click ${own} to go back).`;
  else if (y === null) info.textContent = "Click the digit you drew to run the backward pass.";
  else info.textContent = `y = ${y}: the backward pass uses it as the one-hot target.`;
  // The diagram's toggle shows what the diagram shows: δ only once there is a backward pass.
  const canBack = hasBack(r);
  const radios = document.querySelectorAll('input[name="colour-by"]');
  radios[1].disabled = !canBack;
  radios[0].checked = !showsDelta();
  radios[1].checked = showsDelta();
}

// renderBackward shows L, the derivation, δ of every layer, ∂L/∂W of the picked unit, the step.
function renderBackward(r) {
  const ok = hasBack(r);
  $("back-body").hidden = !ok;
  $("back-off").hidden = ok;
  if (!ok) return;
  const L = r.layers.length;
  $("loss").replaceChildren(
    el("div", {}, `L = −Σₖ [(1 − yₖ) ln(1 − ŷₖ) + yₖ ln ŷₖ] = ${fmt(r.loss)}`, src("loss, network.go")));

  // Output layer: the derivation's two factors, their product and ŷ_k − y_k = δ_k.
  const d = r.derivation, out = $("out-delta");
  out.replaceChildren(el("tr", {}, ...["k", "ŷₖ", "yₖ", "∂L/∂ŷₖ = (ŷₖ − yₖ)/(ŷₖ(1 − ŷₖ))", "", "∂ŷₖ/∂aₖ = ŷₖ(1 − ŷₖ)", "", "product", "", "ŷₖ − yₖ = δₖ"]
    .map((h) => el("th", {}, h))));
  let saturated = 0;
  r.yhat.forEach((v, k) => {
    const op = (s) => el("td", { className: "op" }, s);
    const first = d.dl_dyhat[k] === null
      ? el("td", { className: "words" }, `0/0: ŷₖ rounded to exactly ${v}`)
      : el("td", {}, exp(d.dl_dyhat[k], 6));
    if (d.dl_dyhat[k] === null) saturated++;
    out.append(el("tr", { className: k === r.label ? "hl" : "" },
      el("td", {}, String(k)), el("td", {}, exp(v, 6)), el("td", {}, String(r.y[k])), first, op("×"),
      el("td", {}, exp(d.dyhat_da[k], 6)), op("="), el("td", {}, d.product[k] === null ? "–" : exp(d.product[k], 6)), op("="),
      el("td", {}, exp(r.delta[L - 1][k], 6))));
  });
  $("deriv-note").hidden = !saturated;
  $("deriv-note").textContent = saturated
    ? `For ${saturated === 1 ? "one unit" : saturated + " units"} ŷₖ has rounded to exactly 0 or 1, so ŷₖ(1 − ŷₖ) = 0 and the first factor divides by 0 (0/0 or 1/0): it is not a number. ` +
      "This is why the code computes δ = σ(a) − y directly: the factor ŷ(1 − ŷ) cancels on paper, and computing without it never divides."
    : "";

  // Hidden layers: the two factors of δ from "back" and "dsigma".
  const hid = $("hid-delta");
  hid.replaceChildren(el("tr", {}, ...["layer", "j", "(Wᵀδ)ⱼ", "", "σ′(aⱼ)", "", "δⱼ"].map((h) => el("th", {}, h))));
  for (let l = 0; l < L - 1; l++) {
    r.delta[l].forEach((dj, j) => {
      const tr = el("tr", { tabIndex: 0 },
        el("td", {}, String(l + 1)), el("td", {}, String(j)), el("td", {}, exp(r.back[l][j])), el("td", { className: "op" }, "×"),
        el("td", {}, exp(r.dsigma[l][j])), el("td", { className: "op" }, "="), el("td", {}, exp(dj)));
      tr.dataset.row = `${l}:${j}`;
      tr.setAttribute("aria-label", `hidden layer ${l + 1} unit ${j}: δ = ${exp(dj)}; press Enter to open its sum`);
      tr.addEventListener("click", () => selectNode(l, j, true));
      tr.addEventListener("keydown", (e) => { if (e.key === "Enter" || e.key === " ") { e.preventDefault(); selectNode(l, j, true); } });
      tr.addEventListener("mouseenter", () => hover(l, j));
      tr.addEventListener("mouseleave", () => hover(null));
      hid.append(tr);
    });
  }
  markRows();

  // ∂L/∂W of the picked unit.
  const u = r.unit;
  $("grad-panel").hidden = !(u && u.grad);
  if (u && u.grad) {
    $("grad-unit").textContent = String(u.j);
    legend($("leg-grad"), drawDiverging($("map-grad"), u.grad), "∂L/∂w");
    $("map-grad").setAttribute("aria-label", `gradient ∂L/∂w of unit ${u.j}, 28×28`);
    $("grad-info").textContent = `δ${sub(u.j)} = ${exp(u.delta)}; ∂L/∂b = δ${sub(u.j)}; ∂L/∂wᵢ = δ${sub(u.j)}·xᵢ is 0 wherever the pixel xᵢ is 0.`;
  }

  // One SGD step on this example, taken on a copy by the server.
  const st = r.step;
  $("step-info").replaceChildren(
    el("div", {}, `η = ${fmt(st.eta, 6)}, λ = ${fmt(st.lambda, 6)}, n = ${st.n}`),
    el("div", {}, `L: ${fmt(r.loss)} → ${fmt(st.loss_after)}`, src("L after: loss, network.go, on the stepped copy — runExample, explain.go")),
    el("div", {}, `prediction: ${r.prediction} → ${st.prediction_after}`, src("argmaxₖ ŷₖ — predict, network.go")));
  columns($("yhat-before"), r.yhat, r.prediction, "ŷ before the step");
  columns($("yhat-after"), st.yhat_after, st.prediction_after, "ŷ after the step");
}

// markRows marks the δ rows of the picked and the selected unit.
function markRows() {
  $("hid-delta").querySelectorAll("tr[data-row]").forEach((tr) => {
    const [l, j] = tr.dataset.row.split(":").map(Number);
    tr.classList.toggle("hl", (l === 0 && lab.unit === j) || (!!lab.selected && lab.selected.l === l && lab.selected.j === j));
  });
}

// reading says what a relative error means, as CS231n's notes read it. A gradient far below 1
// is the exception: L's rounding (about 1e-16 of its terms, which are of the order of a_k),
// divided by 2ε, is then a visible share of it; TestGradientCheck accepts an absolute
// difference up to 1e-9 for that reason, and so does the reading.
function reading(c) {
  const diff = Math.abs(c.analytic - c.numeric);
  if (c.analytic === 0 && c.numeric === 0) return "both exactly 0: this parameter does not touch L for this image";
  if (c.rel_error < 1e-7) return "below 1e-7: right";
  if (diff <= 1e-9) return `they differ by ${exp(diff, 1)}, within the precision of finite differences for so small a gradient (L's rounding over 2ε): right`;
  if (c.rel_error < 1e-4) return "1e-7 to 1e-4: fine for a loss with kinks; ours is smooth, so look closer";
  if (c.rel_error < 1e-2) return "1e-4 to 1e-2: uncomfortable";
  return "above 1e-2: the gradient is probably wrong";
}

// renderGradcheck shows the gradient check of the current example.
function renderGradcheck() {
  const c = lab.check, r = lab.result, t = $("gradcheck");
  if (!c || !r) { t.replaceChildren(); $("gradcheck-info").textContent = ""; return; }
  const L = r.layers.length;
  const name = (k) => {
    if (k.layer === 1) return k.input < 0 ? `b of unit ${k.unit}, layer 1` : `w from pixel ${k.input} (x = ${fmt(r.pixels[k.input], 3)}) to unit ${k.unit}, layer 1`;
    const from = k.layer === 2 ? "hidden unit" : `unit of layer ${k.layer - 1}`;
    const to = k.layer === L ? `output ${k.unit}` : `unit ${k.unit}, layer ${k.layer}`;
    return k.input < 0 ? `b of ${to}` : `w from ${from} ${k.input} to ${to}`;
  };
  t.replaceChildren(el("tr", {}, ...["parameter θ", "∂L/∂θ, backward pass", "(L(θ+ε) − L(θ−ε))/2ε", "relative error", "reading (CS231n)"].map((h) => el("th", {}, h))),
    ...c.checks.map((k) => el("tr", {}, el("td", { className: "words" }, name(k)), el("td", {}, exp(k.analytic, 8)), el("td", {}, exp(k.numeric, 8)),
      el("td", {}, exp(k.rel_error, 1)), el("td", { className: "words" }, reading(k)))));
  $("gradcheck-info").textContent = `ε = ${c.eps}; L = ${fmt(c.loss, 6)}; relative error = |analytic − numeric| / max(|analytic|, |numeric|). ` +
    (lab.unit === null ? `No unit picked: the server chose unit ${c.checks[0].unit}, the one with the largest |δ|. ` : "") +
    "The network being trained is never touched: the check runs on a copy.";
}

// columns draws ten small vertical bars with their values.
function columns(box, ys, pred, name) {
  box.replaceChildren(...ys.map((v, k) => {
    const fill = el("div", { className: "fill" });
    fill.style.height = `${Math.max(0, Math.min(1, v)) * 100}%`;
    const c = el("div", { className: "column" + (k === pred ? " pred" : "") },
      el("div", { className: "track" }, fill), el("span", {}, String(k)), el("span", { className: "v" }, v.toFixed(2)));
    c.title = `ŷ${sub(k)} = ${fmt(v, 6)}`;
    return c;
  }));
  box.setAttribute("aria-label", `${name}: ` + ys.map((v, k) => `${k}: ${v.toFixed(2)}`).join(", "));
}

// The toggle switches the diagram between the forward and the backward pass: no request.
document.querySelectorAll('input[name="colour-by"]').forEach((r) => r.addEventListener("change", () => {
  lab.view = r.value;
  updateHash();
  if (lab.result) { renderNet(lab.result); renderNodePanel(); }
}));


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
