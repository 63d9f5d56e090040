// lab.js draws what the Go server computes: the page never redoes the network's arithmetic.
// This file holds what the page knows, the small helpers, the input (the drawing pad, test and
// evaluation images) and the requests for its passes; lab-answer.js renders an answer (ŷ, y,
// the unit, the backward pass, the gradient check), lab-net.js draws the network, and
// lab-train.js the training, its charts, the confusion matrix, the events and the start. They
// are classic scripts sharing one scope, loaded in that order; each sets its event handlers up
// as it loads, and lab-train.js, the last, starts the page (start()).
//
// Every number shown comes from the JSON API (docs/lab-api.md); the page only formats numbers,
// scales colours for display (a colour map normalised by the largest |value| of that map, which its
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
