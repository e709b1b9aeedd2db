/*
 * pyframe_rt.js: the public JS API of pyframe_rt and the browser host.
 *
 * scripts/bundle.mjs places this file after the Emscripten glue (which
 * defines createPyFrameCore) to make dist/pyframe_rt.js (a classic script
 * that sets the global PyFrameRT) and dist/pyframe_rt.mjs (an ES module whose
 * default export is PyFrameRT, loadable in browsers and in Node 20).
 *
 * This is the one file that calls Module._pf_* and reads the wasm heap. It
 * keeps browser objects (sockets, event sources, requests, timers, listeners)
 * in handle tables and gives C small integer ids.
 *
 * The bundle defines, before this file: PF_SCRIPT_URL (the URL or path of the
 * bundle itself, used to find pyframe_rt.wasm next to it).
 */
/* global createPyFrameCore, PF_SCRIPT_URL */

const PyFrameRT = (() => {
  'use strict';

  const VERSION = '0.1.0';
  const isNode = typeof process === 'object' && !!(process.versions && process.versions.node) &&
    typeof window === 'undefined';
  const encoder = new TextEncoder();
  const decoder = new TextDecoder('utf-8');

  /** An error from the runtime: `code` is the negative pf_err number. */
  class PyFrameError extends Error {
    constructor(message, code, position) {
      super(message);
      this.name = 'PyFrameError';
      this.code = code;
      if (position !== undefined) this.position = position;
    }
  }

  // ---- heap access -------------------------------------------------------

  /** Copies a JS string into the wasm heap; free with core._free. */
  function allocString(core, str) {
    const bytes = encoder.encode(str);
    const ptr = core._malloc(bytes.length + 1);
    if (!ptr) throw new PyFrameError('out of memory', -2);
    core.HEAPU8.set(bytes, ptr); // re-read the view: malloc may grow memory
    core.HEAPU8[ptr + bytes.length] = 0;
    return { ptr, len: bytes.length };
  }

  function readString(core, ptr, len) {
    if (!ptr || !len) return '';
    return decoder.decode(core.HEAPU8.subarray(ptr, ptr + len));
  }

  function readCString(core, ptr) {
    if (!ptr) return '';
    const heap = core.HEAPU8;
    let end = ptr;
    while (heap[end]) end++;
    return decoder.decode(heap.subarray(ptr, end));
  }

  /** Runs fn(...pointers) with each string copied into the heap, freeing
   * them afterwards whatever happens. */
  function withStrings(core, strings, fn) {
    const allocated = [];
    try {
      for (const s of strings) allocated.push(allocString(core, s));
      return fn(...allocated);
    } finally {
      for (const a of allocated) core._free(a.ptr);
    }
  }

  // ---- the browser (or Node) host -----------------------------------------

  /** Implements runtime/pf_host.h for a browser; in Node it uses the
   * WebSocket / EventSource classes given to load(), if any. */
  class Host {
    constructor(options) {
      this.options = options;
      this.core = null;
      this.nextHandle = 1;
      this.handles = new Map();   // id -> WebSocket | SSE record | AbortController
      this.timers = new Map();    // C timer id -> JS timer
      this.targets = new Map();   // emit target id -> function(event, payload)
      this.flushQueued = false;
      this.frameQueued = false;
      this.patchers = new Map();  // dom root id -> function(bytes)
    }

    attach(core) {
      this.core = core;
      if (typeof window !== 'undefined' && window.addEventListener) {
        const changed = () => core._pf_net_changed(this.online(), this.visible());
        window.addEventListener('online', changed);
        window.addEventListener('offline', changed);
        if (typeof document !== 'undefined')
          document.addEventListener('visibilitychange', changed);
      }
    }

    newHandle(obj) {
      const id = this.nextHandle++;
      this.handles.set(id, obj);
      return id;
    }

    now() { return typeof performance !== 'undefined' ? performance.now() : Date.now(); }
    wallTime() { return Date.now(); }

    randomU32() {
      const c = globalThis.crypto;
      if (c && c.getRandomValues) return c.getRandomValues(new Uint32Array(1))[0];
      return Math.floor(Math.random() * 4294967296) >>> 0;
    }

    log(level, ptr, len) {
      const text = '[pyframe_rt] ' + readString(this.core, ptr, len);
      const sink = this.options.log;
      if (sink) return sink(level, text);
      if (level >= 3) console.error(text);
      else if (level === 2) console.warn(text);
      else if (level === 1) console.info(text);
      else if (this.options.debug) console.debug(text);
    }

    timerStart(id, delay) {
      this.timerCancel(id);
      this.timers.set(id, setTimeout(() => {
        this.timers.delete(id);
        this.core._pf_timer_fired(id);
      }, delay));
    }

    timerCancel(id) {
      const t = this.timers.get(id);
      if (t !== undefined) {
        clearTimeout(t);
        this.timers.delete(id);
      }
    }

    requestFlush() {
      if (this.flushQueued) return;
      this.flushQueued = true;
      queueMicrotask(() => {
        this.flushQueued = false;
        this.core._pf_flush();
      });
    }

    requestFrame() {
      if (this.frameQueued) return;
      this.frameQueued = true;
      const run = () => {
        this.frameQueued = false;
        this.core._pf_frame();
      };
      if (typeof requestAnimationFrame === 'function') requestAnimationFrame(run);
      else setTimeout(run, 16);
    }

    /** Passes a JS string to a C event entry point as (ptr, len). */
    deliver(fn, handle, text, ...rest) {
      const core = this.core;
      withStrings(core, [text], (s) => fn.call(core, handle, s.ptr, s.len, ...rest));
    }

    wsOpen(urlPtr, urlLen) {
      const url = readString(this.core, urlPtr, urlLen);
      const WS = this.options.WebSocket || globalThis.WebSocket;
      if (!WS) return -11; // PF_EHOST: no WebSocket in this environment
      let ws;
      try {
        ws = new WS(url);
      } catch (e) {
        return -1; // PF_EINVAL: the URL was refused
      }
      const h = this.newHandle(ws);
      ws.binaryType = 'arraybuffer';
      ws.onopen = () => { if (this.handles.get(h) === ws) this.core._pf_io_opened(h); };
      ws.onmessage = (ev) => {
        if (this.handles.get(h) !== ws) return;
        const text = typeof ev.data === 'string' ? ev.data : decoder.decode(new Uint8Array(ev.data));
        this.deliver(this.core._pf_io_message, h, text);
      };
      ws.onclose = (ev) => {
        if (this.handles.get(h) !== ws) return;
        this.handles.delete(h);
        this.deliver((hh, p, l) => this.core._pf_io_closed(hh, ev.code || 1006, p, l), h, ev.reason || '');
      };
      ws.onerror = () => {}; // a close event always follows
      return h;
    }

    wsSend(h, ptr, len) {
      const ws = this.handles.get(h);
      if (!ws || ws.readyState !== 1) return -9; // PF_ESTATE
      try {
        ws.send(readString(this.core, ptr, len));
        return 0;
      } catch (e) {
        return -11;
      }
    }

    wsClose(h, code, ptr, len) {
      const ws = this.handles.get(h);
      if (!ws) return;
      this.handles.delete(h);
      const reason = readString(this.core, ptr, len);
      try {
        ws.close(code >= 3000 || code === 1000 ? code : 1000, reason);
      } catch (e) {
        try { ws.close(); } catch (e2) { /* already closed */ }
      }
    }

    /* Server-Sent Events over fetch, so that the core sees what a browser
     * EventSource hides: the HTTP status (204 means stop), retry: fields,
     * and every event name. Falls back to EventSource where fetch streaming
     * is missing. */
    sseOpen(urlPtr, urlLen) {
      const url = readString(this.core, urlPtr, urlLen);
      const fetchFn = this.options.fetch || globalThis.fetch;
      if (!fetchFn) return -11;
      const ctrl = new AbortController();
      const h = this.newHandle(ctrl);
      const alive = () => this.handles.get(h) === ctrl;
      const fail = (status) => {
        if (!alive()) return;
        this.handles.delete(h);
        ctrl.abort();
        this.core._pf_io_error(h, status);
      };
      (async () => {
        let res;
        try {
          res = await fetchFn(url, { headers: { Accept: 'text/event-stream' }, signal: ctrl.signal, cache: 'no-store' });
        } catch (e) {
          return fail(0);
        }
        if (res.status !== 200 || !res.body) return fail(res.status);
        if (!alive()) return;
        this.core._pf_io_opened(h);
        const parser = new SseParser((ev) => {
          if (!alive()) return;
          withStrings(this.core, [ev.event, ev.id, ev.data], (e, i, d) =>
            this.core._pf_io_sse(h, e.ptr, e.len, i.ptr, i.len, d.ptr, d.len, ev.retry));
        });
        const reader = res.body.getReader();
        const textDecoder = new TextDecoder('utf-8');
        try {
          for (;;) {
            const { value, done } = await reader.read();
            if (done) break;
            parser.push(textDecoder.decode(value, { stream: true }));
          }
        } catch (e) { /* aborted or network error: reported below */ }
        fail(0);
      })();
      return h;
    }

    sseClose(h) {
      const ctrl = this.handles.get(h);
      if (!ctrl) return;
      this.handles.delete(h);
      ctrl.abort();
    }

    httpRequest(mPtr, mLen, uPtr, uLen, bPtr, bLen) {
      const method = readString(this.core, mPtr, mLen);
      const url = readString(this.core, uPtr, uLen);
      const body = bPtr ? readString(this.core, bPtr, bLen) : undefined;
      const fetchFn = this.options.fetch || globalThis.fetch;
      if (!fetchFn) return -11;
      const ctrl = new AbortController();
      const h = this.newHandle(ctrl);
      const init = { method, signal: ctrl.signal, headers: {} };
      if (body !== undefined) {
        init.body = body;
        init.headers['Content-Type'] = 'application/json';
      }
      fetchFn(url, init).then(async (res) => {
        const text = await res.text();
        return [res.status, text];
      }, () => [0, '']).then(([status, text]) => {
        if (this.handles.get(h) !== ctrl) return;
        this.handles.delete(h);
        this.deliver((hh, p, l) => this.core._pf_io_http_done(hh, status, p, l), h, text);
      });
      return h;
    }

    httpAbort(h) {
      const ctrl = this.handles.get(h);
      if (!ctrl) return;
      this.handles.delete(h);
      ctrl.abort();
    }

    domPatch(root, ptr, len) {
      const patch = this.patchers.get(root);
      if (patch) patch(this.core.HEAPU8.slice(ptr, ptr + len));
    }

    emit(target, ePtr, eLen, jPtr, jLen) {
      const fn = this.targets.get(target);
      if (!fn) return;
      const event = readString(this.core, ePtr, eLen);
      const json = readString(this.core, jPtr, jLen);
      fn(event, json);
    }

    call(target, nPtr, nLen, aPtr, aLen) {
      const name = readString(this.core, nPtr, nLen);
      let args;
      try {
        args = JSON.parse(readString(this.core, aPtr, aLen) || 'null');
      } catch (e) {
        return -3; // PF_EJSON
      }
      if (name === 'notify') {
        const N = globalThis.Notification;
        if (!N || N.permission !== 'granted' || !args || typeof args.title !== 'string') return -11;
        try {
          new N(args.title, { body: String(args.body || ''), icon: args.icon ? String(args.icon) : undefined });
          return 0;
        } catch (e) {
          return -11;
        }
      }
      const fn = this.targets.get(target);
      return fn ? (fn('call:' + name, args) ?? 0) : -5;
    }

    online() { return typeof navigator !== 'undefined' && navigator.onLine === false ? 0 : 1; }
    visible() { return typeof document !== 'undefined' && document.visibilityState === 'hidden' ? 0 : 1; }
  }

  /** The text/event-stream format (HTML Living Standard, "parsing an event
   * stream"): lines of field: value, an empty line dispatches. */
  class SseParser {
    constructor(onEvent) {
      this.onEvent = onEvent;
      this.buffer = '';
      this.data = [];
      this.event = '';
      this.lastId = '';
      this.retry = -1;
      this.first = true;
    }

    push(chunk) {
      if (this.first) {
        if (chunk.charCodeAt(0) === 0xfeff) chunk = chunk.slice(1);
        this.first = false;
      }
      this.buffer += chunk;
      let start = 0;
      for (;;) {
        const cr = this.buffer.indexOf('\r', start);
        const lf = this.buffer.indexOf('\n', start);
        let end = cr < 0 ? lf : lf < 0 ? cr : Math.min(cr, lf);
        if (end < 0) break;
        // A CR at the end of the buffer may be the first half of CRLF.
        if (end === cr && end === this.buffer.length - 1) break;
        const line = this.buffer.slice(start, end);
        start = end + (this.buffer[end] === '\r' && this.buffer[end + 1] === '\n' ? 2 : 1);
        this.line(line);
      }
      this.buffer = this.buffer.slice(start);
    }

    line(line) {
      if (line === '') {
        if (this.data.length) {
          this.onEvent({ event: this.event || 'message', id: this.lastId, data: this.data.join('\n'), retry: this.retry });
        }
        this.data = [];
        this.event = '';
        this.retry = -1;
        return;
      }
      if (line[0] === ':') return;
      const colon = line.indexOf(':');
      const field = colon < 0 ? line : line.slice(0, colon);
      let value = colon < 0 ? '' : line.slice(colon + 1);
      if (value[0] === ' ') value = value.slice(1);
      if (field === 'data') this.data.push(value);
      else if (field === 'event') this.event = value;
      else if (field === 'id') { if (!value.includes('\0')) this.lastId = value; }
      else if (field === 'retry') { if (/^\d+$/.test(value)) this.retry = Math.min(Number(value), 2147483647); }
    }
  }

  // ---- the loaded runtime ---------------------------------------------------

  class Runtime {
    constructor(core, host) {
      this.core = core;
      this.host = host;
      this.version = VERSION;
      this.nextTarget = 1;
      this.scratch = core._malloc(16); // out-parameters of C calls
      this.errScratch = core._malloc(16); // a pf_parse_error {code, msg, pos}
    }

    /** Registers a JS listener for pf_host_emit; returns its target id. */
    addTarget(fn) {
      const id = this.nextTarget++;
      this.host.targets.set(id, fn);
      return id;
    }

    removeTarget(id) { this.host.targets.delete(id); }

    strerror(code) { return readCString(this.core, this.core._pf_strerror(code)); }

    /** Throws a PyFrameError for a negative return code. */
    check(rc, what) {
      if (rc >= 0) return rc;
      throw new PyFrameError(`${what}: ${this.strerror(rc)}`, rc);
    }

    /** Like check, for calls that filled errScratch with a pf_parse_error:
     * the message says what was wrong and where. */
    checkParse(rc, what) {
      if (rc >= 0) return rc;
      const view = new Uint32Array(this.core.HEAPU8.buffer, this.errScratch, 3);
      const msg = view[1] ? readCString(this.core, view[1]) : this.strerror(rc);
      const pos = view[1] ? view[2] : undefined;
      throw new PyFrameError(`${what}: ${msg}${pos !== undefined ? ` at byte ${pos}` : ''}`, rc, pos);
    }

    /** Reads the (char **out, size_t *out_len) pair a C call filled in
     * scratch, frees the C string, and returns it. */
    takeScratchString() {
      const view = new Uint32Array(this.core.HEAPU8.buffer, this.scratch, 2);
      const ptr = view[0];
      const len = view[1];
      try {
        return readString(this.core, ptr, len);
      } finally {
        this.core._free(ptr);
      }
    }

    /** Creates a State store, optionally with initial values. */
    createState(initial) {
      const ptr = this.core._pf_state_new();
      if (!ptr) throw new PyFrameError('out of memory', -2);
      const state = new State(this, ptr);
      if (initial !== undefined) {
        try {
          state.setMultiple(initial);
        } catch (e) {
          state.free();
          throw e;
        }
      }
      return state;
    }
  }

  /** A State store (runtime/pf_state.h): keyed JSON values, change
   * subscriptions, and one batched notification per tick. */
  class State {
    constructor(rt, ptr) {
      this.rt = rt;
      this.ptr = ptr;
      this.watches = new Map(); // subscription id -> target id
    }

    alive() {
      if (!this.ptr) throw new PyFrameError('this State has been freed', -9);
    }

    /** Returns the value of `key`, or `fallback` (default undefined) when
     * the key is not set. */
    get(key, fallback) {
      this.alive();
      const core = this.rt.core;
      const rc = withStrings(core, [String(key)], (k) =>
        core._pf_state_get_json(this.ptr, k.ptr, k.len, this.rt.scratch, this.rt.scratch + 4));
      if (rc === -5) return fallback;
      this.rt.check(rc, `state.get(${JSON.stringify(String(key))})`);
      return JSON.parse(this.rt.takeScratchString());
    }

    /** Sets `key` to `value` (any JSON-serialisable value). */
    update(key, value) {
      this.alive();
      const json = JSON.stringify(value);
      if (json === undefined) throw new PyFrameError(`state.update: the value of ${JSON.stringify(String(key))} is not JSON-serialisable`, -4);
      this.updateJSON(key, json);
    }

    /** Sets `key` to the value of a JSON text (as received from the network). */
    updateJSON(key, json) {
      this.alive();
      const core = this.rt.core;
      const rc = withStrings(core, [String(key), String(json)], (k, j) =>
        core._pf_state_update_json(this.ptr, k.ptr, k.len, j.ptr, j.len, this.rt.errScratch));
      this.rt.checkParse(rc, `state.update(${JSON.stringify(String(key))})`);
    }

    /** Sets several keys as one change (the seed's set_multiple). */
    setMultiple(values) {
      this.alive();
      if (values === null || typeof values !== 'object' || Array.isArray(values))
        throw new PyFrameError('state.setMultiple needs a plain object', -4);
      this.setMultipleJSON(JSON.stringify(values));
    }

    /** Like setMultiple, from a JSON text; the whole text is checked first. */
    setMultipleJSON(json) {
      this.alive();
      const core = this.rt.core;
      const rc = withStrings(core, [String(json)], (j) =>
        core._pf_state_set_multiple_json(this.ptr, j.ptr, j.len, this.rt.errScratch));
      this.rt.checkParse(rc, 'state.setMultiple');
    }

    /** Removes `key`; returns whether it was set. */
    remove(key) {
      this.alive();
      const core = this.rt.core;
      const rc = withStrings(core, [String(key)], (k) => core._pf_state_remove(this.ptr, k.ptr, k.len));
      if (rc === -5) return false;
      this.rt.check(rc, 'state.remove');
      return true;
    }

    /** Every key and value, as a plain object. */
    toJSON() {
      this.alive();
      this.rt.check(this.rt.core._pf_state_to_json(this.ptr, this.rt.scratch, this.rt.scratch + 4), 'state.toJSON');
      return JSON.parse(this.rt.takeScratchString());
    }

    get size() {
      this.alive();
      return this.rt.core._pf_state_size(this.ptr);
    }

    /** Calls fn(changedKeys, state) once per tick in which `key` (or, with
     * subscribe(fn), any key) changed. Returns a function that unsubscribes. */
    subscribe(key, fn) {
      this.alive();
      if (typeof key === 'function') {
        fn = key;
        key = null;
      }
      if (typeof fn !== 'function') throw new PyFrameError('state.subscribe needs a function', -1);
      const target = this.rt.addTarget((event, json) => {
        if (event === 'change') fn(JSON.parse(json), this);
      });
      const core = this.rt.core;
      const k = key === null || key === undefined ? '' : String(key);
      if (key !== null && key !== undefined && k === '') throw new PyFrameError('state.subscribe: empty key', -1);
      let id;
      try {
        id = withStrings(core, [k], (s) => core._pf_api_state_watch(this.ptr, s.ptr, s.len, target));
        this.rt.check(id, 'state.subscribe');
      } catch (e) {
        this.rt.removeTarget(target);
        throw e;
      }
      this.watches.set(id, target);
      return () => {
        if (!this.ptr || !this.watches.has(id)) return;
        core._pf_api_state_unwatch(this.ptr, id);
        this.rt.removeTarget(this.watches.get(id));
        this.watches.delete(id);
      };
    }

    /** Delivers pending notifications now instead of after this task. */
    flush() {
      this.alive();
      this.rt.core._pf_state_flush(this.ptr);
    }

    /** Frees the store. Further calls throw. */
    free() {
      if (!this.ptr) return;
      for (const target of this.watches.values()) this.rt.removeTarget(target);
      this.watches.clear();
      this.rt.core._pf_state_free(this.ptr);
      this.ptr = 0;
    }
  }

  // ---- loading ------------------------------------------------------------

  let loading = null;

  function wasmLocation(options) {
    if (options.wasmUrl) return options.wasmUrl;
    const base = options.baseUrl || PF_SCRIPT_URL ||
      (typeof location !== 'undefined' ? location.href : '');
    return new URL('pyframe_rt.wasm', base).href;
  }

  async function instantiate(options) {
    const host = new Host(options);
    const moduleArg = { pfHost: host };
    if (options.wasmBinary) {
      moduleArg.wasmBinary = options.wasmBinary;
    } else if (isNode) {
      // Emscripten 3.1.6 glue would try Node's global fetch on a file path;
      // read the binary ourselves.
      const fs = await import('node:fs');
      const url = await import('node:url');
      const loc = wasmLocation(options);
      moduleArg.wasmBinary = fs.readFileSync(loc.startsWith('file:') ? url.fileURLToPath(loc) : loc);
    } else {
      const wasmUrl = wasmLocation(options);
      moduleArg.locateFile = (path) => (path.endsWith('.wasm') ? wasmUrl : path);
    }
    const core = await createPyFrameCore(moduleArg);
    host.attach(core);
    return new Runtime(core, host);
  }

  /** Loads and instantiates the runtime once; later calls return the same
   * promise (their options are ignored). */
  function load(options = {}) {
    if (!loading) {
      loading = instantiate(options);
      loading.catch(() => { loading = null; }); // a failed load may be retried
    }
    return loading;
  }

  return {
    VERSION,
    PyFrameError,
    load,
    /** Creates a State store once the runtime is loaded. */
    async createState(initial) {
      return (await load()).createState(initial);
    },
    /** Internal pieces exposed for the tests of the bindings. */
    _internal: { SseParser },
  };
})();
