// static-shim.js stands in for the lab's server on a static web site (`go run . -static DIR`,
// static.go). Loaded before the page's own scripts, it starts the Web Worker that runs the
// program (static-worker.js) and hands it every request the page makes of the lab: fetch and
// EventSource for addresses under /api/, and the pictures (img src) there. The page's scripts
// are those of `go run . -serve`, unchanged; the program answers them with the lab's own handler.
//
// It adds what a server's lab does with files: Save (the network as -save writes it, as a
// download) and Load (a file saved so, as -load reads it), and a line saying that the lab runs
// here, in this tab, on one core.
"use strict";

(() => {
  // A page opened from a file (file://) may start no Web Worker: it must come from a web server.
  const fromFile = location.protocol === "file:";
  let worker = null;
  try {
    if (!fromFile) worker = new Worker("static-worker.js");
  } catch (_) { /* said below */ }
  let next = 0;
  const replies = new Map(); // id → {resolve, reject} of a request waiting for its answer
  const streams = new Map(); // id → the LabEventSource it feeds
  const began = performance.now();
  const site = { ready: false, failed: "", seconds: 0 }; // for the tests: window.labStatic
  window.labStatic = site;
  if (!worker) {
    site.failed = "this page must be opened through a web server (an http:// address), not as a file: a browser starts " +
      "no Web Worker from a file:// address. README.txt beside it says how (python3 -m http.server, say)";
  }
  // refusal is the answer to every request once the lab cannot start: the page shows its error.
  const refusal = () => new Response(JSON.stringify({ error: site.failed }), { status: 503, headers: { "Content-Type": "application/json" } });

  if (worker) worker.onmessage = (e) => {
    const m = e.data;
    if (m.ready) {
      Object.assign(site, { ready: true, seconds: m.seconds, pageSeconds: (performance.now() - began) / 1000 });
      note(`Ready in ${site.pageSeconds.toFixed(1)} s.`);
      return;
    }
    if (m.failed) {
      site.failed = m.failed;
      note(`The lab could not start: ${m.failed}.`, true);
      for (const r of replies.values()) r.resolve(refusal());
      replies.clear();
      return;
    }
    const s = streams.get(m.id);
    if (s) {
      if (m.chunk !== undefined) s._chunk(m.chunk);
      else s._ended(m.id);
      return;
    }
    const r = replies.get(m.id);
    if (!r) return;
    replies.delete(m.id);
    r.resolve(new Response(m.status === 204 ? null : m.body, { status: m.status, headers: { "Content-Type": m.type || "application/octet-stream" } }));
  };
  if (worker) worker.onerror = (e) => {
    site.failed = e.message || "the worker failed";
    note(`The lab could not start: ${site.failed}.`, true);
    for (const r of replies.values()) r.resolve(refusal());
    replies.clear();
  };

  // ours says whether an address is one the program answers: the lab's API and this site's own.
  const ours = (url) => typeof url === "string" && (url.startsWith("/api/") || url.startsWith("/static/"));

  // post sends a request to the worker: a body is sent as bytes (a string as UTF-8).
  function post(id, method, url, type, body) {
    let bytes = null;
    if (typeof body === "string") bytes = new TextEncoder().encode(body).buffer;
    else if (body instanceof ArrayBuffer) bytes = body.slice(0);
    else if (ArrayBuffer.isView(body)) bytes = body.buffer.slice(body.byteOffset, body.byteOffset + body.byteLength);
    worker.postMessage({ id, method, url, type, body: bytes }, bytes ? [bytes] : []);
  }

  const realFetch = window.fetch.bind(window);
  window.fetch = function (input, opts = {}) {
    const url = typeof input === "string" ? input : input && input.url;
    if (!ours(url)) return realFetch(input, opts);
    if (site.failed) return Promise.resolve(refusal());
    const headers = new Headers(opts.headers || {});
    const id = ++next;
    return new Promise((resolve, reject) => {
      replies.set(id, { resolve, reject });
      if (opts.body instanceof Blob) {
        opts.body.arrayBuffer().then((b) => post(id, opts.method || "GET", url, headers.get("Content-Type") || opts.body.type, b), reject);
      } else {
        post(id, opts.method || "GET", url, headers.get("Content-Type") || "", opts.body);
      }
    });
  };

  // LabEventSource is EventSource for the lab's stream: the worker sends its text piece by piece,
  // read here as Server-Sent Events. When the stream ends (a network loaded: the old lab's
  // streams end), it says "error" and connects again, as EventSource does.
  const RealEventSource = window.EventSource;
  class LabEventSource extends EventTarget {
    constructor(url) {
      super();
      this.url = url;
      this.readyState = 0;
      this._open();
    }
    _open() {
      if (site.failed) { this.readyState = 2; return; } // the note and the page say why
      this._id = ++next;
      this._text = "";
      streams.set(this._id, this);
      post(this._id, "GET", this.url, "", null);
    }
    _chunk(text) {
      if (this.readyState !== 1) {
        this.readyState = 1;
        this.dispatchEvent(new Event("open"));
      }
      this._text += text;
      let end;
      while ((end = this._text.indexOf("\n\n")) >= 0) {
        const block = this._text.slice(0, end);
        this._text = this._text.slice(end + 2);
        let type = "message";
        const data = [];
        for (const line of block.split("\n")) {
          if (line.startsWith("event: ")) type = line.slice(7);
          else if (line.startsWith("data: ")) data.push(line.slice(6));
        }
        if (data.length) this.dispatchEvent(new MessageEvent(type, { data: data.join("\n") }));
      }
    }
    _ended(id) {
      streams.delete(id);
      if (this.readyState === 2) return;
      this.readyState = 0;
      this.dispatchEvent(new Event("error"));
      setTimeout(() => { if (this.readyState !== 2) this._open(); }, 300);
    }
    close() {
      this.readyState = 2;
      if (worker) worker.postMessage({ cancel: this._id });
    }
  }
  window.EventSource = function (url, opts) {
    return ours(url) ? new LabEventSource(url) : new RealEventSource(url, opts);
  };

  // The pictures the page asks the lab for (img.src = "/api/weights.png…") are fetched here and
  // shown from a blob: address; an answer older than the last asked for is dropped.
  const srcProp = Object.getOwnPropertyDescriptor(HTMLImageElement.prototype, "src");
  const asked = new WeakMap();
  Object.defineProperty(HTMLImageElement.prototype, "src", {
    configurable: true,
    enumerable: srcProp.enumerable,
    get() { return srcProp.get.call(this); },
    set(v) {
      if (!ours(v)) { srcProp.set.call(this, v); return; }
      const n = (asked.get(this) || 0) + 1;
      asked.set(this, n);
      window.fetch(v).then((r) => (r.ok ? r.blob() : null)).then((b) => {
        if (!b || asked.get(this) !== n) return;
        const old = srcProp.get.call(this);
        srcProp.set.call(this, URL.createObjectURL(b));
        if (old.startsWith("blob:")) URL.revokeObjectURL(old);
      }, () => {});
    },
  });

  // ---------- the line on this lab, Save and Load ----------

  let line = null;
  function note(text, bad) {
    if (!line) { pending = [text, bad]; return; }
    line.textContent = text;
    line.className = bad ? "warn" : "hint";
  }
  let pending = site.failed ? [`The lab cannot start: ${site.failed}.`, true] : ["Loading the program (lab.wasm) and the MNIST files…", false];

  function setup() {
    const style = document.createElement("style");
    style.textContent = `#static-note { flex-basis: 100%; display: flex; flex-wrap: wrap; align-items: center; gap: 4px 10px; padding: 3px 10px; }
      #static-note p { margin: 0; } #static-note button { font-size: 0.85rem; padding: 1px 8px; }`;
    document.head.append(style);
    const box = document.createElement("div");
    box.id = "static-note";
    box.className = "notice";
    box.setAttribute("role", "region");
    box.setAttribute("aria-label", "this lab runs in your browser");
    const about = document.createElement("p");
    about.textContent = "This lab runs in your browser, on one core (slower than `go run . -serve`): the program, compiled to WebAssembly, " +
      "computes every number here, nothing leaves this tab, and closing the tab ends the lab.";
    line = document.createElement("p");
    line.setAttribute("aria-live", "polite");
    const save = Object.assign(document.createElement("button"), { type: "button", id: "static-save", textContent: "Save the network" });
    const load = Object.assign(document.createElement("button"), { type: "button", id: "static-load", textContent: "Load a network…" });
    const pick = Object.assign(document.createElement("input"), { type: "file", id: "static-file", accept: ".json,application/json", hidden: true });
    box.append(about, save, load, pick, line);
    document.querySelector("header").append(box);
    note(...pending);

    save.addEventListener("click", async () => {
      try {
        const res = await window.fetch("/static/save");
        if (!res.ok) throw new Error((await res.json()).error);
        const a = Object.assign(document.createElement("a"), { href: URL.createObjectURL(await res.blob()), download: "network.json" });
        document.body.append(a);
        a.click();
        a.remove();
        setTimeout(() => URL.revokeObjectURL(a.href), 10000);
        note("Saved as network.json (the -save format: `go run . -load network.json` reads it).");
      } catch (err) { note(`Not saved: ${err.message}`, true); }
    });
    load.addEventListener("click", () => pick.click());
    pick.addEventListener("change", async () => {
      const f = pick.files[0];
      pick.value = "";
      if (!f) return;
      try {
        const res = await window.fetch("/static/load?name=" + encodeURIComponent(f.name), { method: "POST", body: f });
        const s = await res.json();
        if (!res.ok) throw new Error(s.error);
        if (lab.state) lab.state.version = -1; // a new lab: everything is drawn again
        applyState(s);
        note(`Loaded ${f.name}.`);
      } catch (err) { note(`Not loaded: ${err.message}`, true); }
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", setup);
  else setup();
})();
