// lab-net.js draws the network: the input, the hidden units with their weight tiles, the output
// units and the edges between the layers above the input, built once per layout and updated in
// place for every answer; the sum of a unit beside it, the edges' own numbers on hover or focus.
"use strict";

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
