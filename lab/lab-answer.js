// lab-answer.js renders an answer of the server (lab.js asks for it): the prediction and ŷ, the
// y buttons, what the network is, the picked unit's maps, the backward pass with the course's
// derivation, the gradient check and the SGD step on a copy. Numbers are only formatted here.
"use strict";

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
