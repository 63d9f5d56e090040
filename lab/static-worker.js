// static-worker.js is the Web Worker of the lab on a static web site (`go run . -static DIR`,
// static.go): it fetches the four MNIST files and lab.wasm, the program built for js/wasm,
// from beside the page, starts the program, and passes the page's requests (static-shim.js)
// to it and its answers back. The program answers them with the lab's own handler
// (static_wasm.go): the numbers are computed by the same Go code as `go run . -serve`.
//
// Messages from the page: {id, method, url, type, body} a request, {cancel: id} the end of an
// event stream. To the page: {ready, seconds, loaded} once the program answers (or {failed});
// {id, chunk} a piece of an event stream; {id, status, type, body} an answer, the last message
// of its id.
"use strict";

importScripts("go/wasm_exec.js"); // Go's own, from the Go that built lab.wasm (go/LICENSE)

const began = performance.now();
const names = ["train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"];
let serve = null, cancel = null;
const waiting = []; // requests that came before the program was ready

function handle(m) {
  if (m.cancel) cancel(m.cancel);
  else serve(m.id, m.method, m.url, m.type || "", m.body ? new Uint8Array(m.body) : null);
}
self.onmessage = (e) => { if (serve) handle(e.data); else waiting.push(e.data); };

// fetchBytes fetches a file beside the page as bytes. A .gz file may arrive unpacked, if the host
// sends it with Content-Encoding: gzip: the program reads either form (decompress, mnist.go).
async function fetchBytes(url) {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`${url}: HTTP ${res.status} ${res.statusText}`);
  return new Uint8Array(await res.arrayBuffer());
}

// compile compiles lab.wasm while it downloads, where the host sends it as application/wasm,
// and after, from its bytes, where it does not.
async function compile(go) {
  try {
    return await WebAssembly.instantiateStreaming(fetch("lab.wasm"), go.importObject);
  } catch (_) {
    return await WebAssembly.instantiate(await fetchBytes("lab.wasm"), go.importObject);
  }
}

// mnistLabYield(resume) calls resume once the worker has handled the messages before it: the
// program's runner waits on it now and then while it trains (yieldToBrowser, static_wasm.go).
// A message to itself, not setTimeout, which browsers hold to 4 ms when set again and again.
const turn = new MessageChannel(), resumes = [];
turn.port1.onmessage = () => resumes.shift()();
globalThis.mnistLabYield = (resume) => { resumes.push(resume); turn.port2.postMessage(0); };

async function start() {
  const go = new Go();
  const files = new Map();
  const fetched = Promise.all(names.map(async (n) => files.set(n, await fetchBytes(`data/${n}.gz`))));
  let wasm;
  try {
    wasm = await compile(go);
  } catch (err) {
    postMessage({ failed: `lab.wasm could not be loaded: ${err.message || err}` });
    return;
  }
  const lab = {
    files: { clear() { for (const n of names) delete lab.files[n]; files.clear(); } },
    dataProblem: "",
    ready(serveFn, cancelFn, goSeconds) {
      serve = serveFn;
      cancel = cancelFn;
      postMessage({ ready: true, seconds: (performance.now() - began) / 1000, goSeconds });
      waiting.splice(0).forEach(handle);
    },
    failed(msg) { postMessage({ failed: msg }); },
    chunk(id, text) { postMessage({ id, chunk: text }); },
    answer(id, status, type, body) { postMessage({ id, status, type, body: body.buffer }, [body.buffer]); },
  };
  try {
    await fetched;
    for (const [n, b] of files) lab.files[n] = b;
  } catch (err) {
    lab.dataProblem = `the MNIST files beside the page could not be fetched: ${err.message || err}`;
  }
  globalThis.mnistLabWorker = lab;
  go.run(wasm.instance).then(() => postMessage({ failed: "the lab's program ended" }));
}
start();
