/*
 * pyframe_rt.js: the public JS API of pyframe_rt and the browser host.
 *
 * scripts/bundle.mjs places this file after bindings/pf_loader.js (which
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
  const decoder = new TextDecoder('utf-8', { ignoreBOM: true });

  /** Removes credentials from a text that may be logged: the value of a
   * `token=` / `access_token=` query parameter, what follows `Bearer `, and
   * anything shaped like a JWT. Every console line the runtime writes and
   * every PyFrameError message goes through it (docs/security.md); the
   * reference server has the same function (demo/server/util.mjs). */
  function redactTokens(text) {
    return String(text)
      .replace(/((?:^|[?&;\s"'])(?:access_)?token(?:=|%3D))[^&\s"'#;]*/gi, '$1[redacted]')
      .replace(/(Bearer\s+)[^\s"',;]+/gi, '$1[redacted]')
      .replace(/eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*/g, '[redacted-jwt]');
  }

  /** An error from the runtime: `code` is the negative pf_err number. Its
   * message never carries a token (see redactTokens). */
  class PyFrameError extends Error {
    constructor(message, code, position) {
      super(redactTokens(message));
      this.name = 'PyFrameError';
      this.code = code;
      if (position !== undefined) this.position = position;
    }
  }

  /** JSON.stringify of a value from the app: undefined (a function, a
   * symbol, undefined itself) when there is no JSON for it; a cycle or a
   * BigInt throw a PyFrameError (-4, PF_ETYPE) instead of a TypeError. */
  function toJSONText(value, what) {
    try {
      return JSON.stringify(value);
    } catch (e) {
      throw new PyFrameError(`${what}: the value is not JSON-serialisable (${e.message})`, -4);
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

  /** Resolves a WebSocket URL against the page, so components can be given
   * "/ws/posts": http(s) becomes ws(s). Absolute ws URLs pass unchanged. */
  function wsUrl(url) {
    if (/^wss?:/i.test(url) || typeof location === 'undefined' || !location.href) return url;
    try {
      const u = new URL(url, location.href);
      if (u.protocol === 'http:') u.protocol = 'ws:';
      else if (u.protocol === 'https:') u.protocol = 'wss:';
      return u.href;
    } catch (e) {
      return url;
    }
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

    /** pf_host_number_format: String(x) is the shortest text that reads
     * back as x; it is ASCII, written without a NUL. 0 if it does not fit. */
    numberFormat(x, ptr, cap) {
      const text = String(x);
      if (text.length > cap) return 0;
      const heap = this.core.HEAPU8;
      for (let i = 0; i < text.length; i++) heap[ptr + i] = text.charCodeAt(i);
      return text.length;
    }

    /** pf_host_number_parse: the C side has checked the text is a decimal
     * number (strtod's grammar), which Number() reads, correctly rounded. */
    numberParse(ptr, len) {
      let text = '';
      const heap = this.core.HEAPU8;
      for (let i = 0; i < len; i++) text += String.fromCharCode(heap[ptr + i]);
      return Number(text);
    }

    randomU32() {
      const c = globalThis.crypto;
      if (c && c.getRandomValues) return c.getRandomValues(new Uint32Array(1))[0];
      return Math.floor(Math.random() * 4294967296) >>> 0;
    }

    log(level, ptr, len) {
      const text = '[pyframe_rt] ' + redactTokens(readString(this.core, ptr, len));
      const sink = this.options.log;
      // C is mid-call (pf_ws's gap handling, say): the sink's exception is
      // reported after this task, never unwound through wasm.
      if (sink) return callListener(sink, level, text);
      if (level >= 3) console.error(text);
      else if (level === 2) console.warn(text);
      else if (level === 1) console.info(text);
      else if (this.options.debug) console.debug(text);
    }

    timerStart(id, delay) {
      this.timerCancel(id);
      // setTimeout holds at most 2^31 - 1 ms (about 24.8 days; a longer
      // delay fires at once): a longer one is waited out in parts.
      let left = Math.max(0, delay);
      const arm = () => {
        const part = Math.min(left, 2147483647);
        left -= part;
        this.timers.set(id, setTimeout(() => {
          if (left > 0) return arm();
          this.timers.delete(id);
          this.core._pf_timer_fired(id);
        }, part));
      };
      arm();
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

    /** The WebSocket class or fetch that the object about to open a
     * connection asked for (set from its "attempt" event), used once. */
    takeNext(kind) {
      const next = this.next;
      this.next = null;
      return next ? next[kind] : undefined;
    }

    /** pf_io_message through one reusable input buffer in the heap (no
     * malloc per frame). While the call runs, inText/inPtr/inLen let the
     * emit handler of a socket reuse the JS string instead of decoding the
     * same bytes back. Re-entrant calls fall back to a fresh allocation. */
    deliverMessage(h, text) {
      const core = this.core;
      const need = text.length * 3;
      if (this.inText != null || need > 1 << 22) {
        this.deliver(core._pf_io_message, h, text);
        return;
      }
      if (!this.inPtr || need > this.inCap) {
        if (this.inPtr) core._free(this.inPtr);
        let cap = 4096;
        while (cap < need) cap *= 2;
        this.inPtr = core._malloc(cap);
        this.inCap = this.inPtr ? cap : 0;
        this.inView = null;
        if (!this.inPtr) { this.deliver(core._pf_io_message, h, text); return; }
      }
      if (!this.inView || this.inView.buffer !== core.HEAPU8.buffer)
        this.inView = core.HEAPU8.subarray(this.inPtr, this.inPtr + this.inCap);
      const { written } = encoder.encodeInto(text, this.inView);
      this.inText = text;
      this.inLen = written;
      try {
        core._pf_io_message(h, this.inPtr, written);
      } finally {
        this.inText = null;
      }
    }

    wsOpen(urlPtr, urlLen) {
      const url = wsUrl(readString(this.core, urlPtr, urlLen));
      const WS = this.takeNext('WebSocket') || this.options.WebSocket || globalThis.WebSocket;
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
        this.deliverMessage(h, text);
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
      const fetchFn = this.takeNext('fetch') || this.options.fetch || globalThis.fetch;
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
        }, () => {
          // Every field empty: a comment, for the core's idle timeout.
          if (alive()) this.core._pf_io_sse(h, 0, 0, 0, 0, 0, 0, -1);
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
      // A failure anywhere (no answer, or a body cut off or aborted
      // mid-way) is status 0, a network error, so C always hears back.
      Promise.resolve().then(() => fetchFn(url, init)).then(async (res) => {
        const text = await res.text();
        return [res.status, text];
      }).catch(() => [0, '']).then(([status, text]) => {
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
      return patch ? patch(this.core.HEAPU8.slice(ptr, ptr + len)) : 0;
    }

    // emit and call run inside a C call: an exception from JS must not
    // unwind through its frames (C would be left half-way). One that gets
    // this far is reported after the current task.
    emit(target, ePtr, eLen, jPtr, jLen) {
      const fn = this.targets.get(target);
      if (!fn) return;
      try {
        if (fn.raw) fn.raw(ePtr, eLen, jPtr, jLen); // sockets: they read the heap themselves
        else fn(readString(this.core, ePtr, eLen), readString(this.core, jPtr, jLen));
      } catch (e) {
        setTimeout(() => { throw e; }, 0);
      }
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
      if (!fn) return -5;
      try {
        return fn('call:' + name, args) ?? 0;
      } catch (e) {
        setTimeout(() => { throw e; }, 0);
        return -11; // PF_EHOST
      }
    }

    online() { return typeof navigator !== 'undefined' && navigator.onLine === false ? 0 : 1; }
    visible() { return typeof document !== 'undefined' && document.visibilityState === 'hidden' ? 0 : 1; }
  }

  /** The text/event-stream format (HTML Living Standard, "parsing an event
   * stream"): lines of field: value, an empty line dispatches. A block
   * without data dispatches no event, but its retry: (and id:) still apply:
   * it is passed on with data '' so that the core learns them. */
  class SseParser {
    constructor(onEvent, onComment) {
      this.onEvent = onEvent;
      this.onComment = onComment;
      this.buffer = '';
      this.data = [];
      this.event = '';
      this.lastId = '';
      this.retry = -1;
      this.idSeen = false;
      this.first = true;
      this.afterCr = false;
    }

    push(chunk) {
      if (!chunk) return;
      if (this.first) {
        if (chunk.charCodeAt(0) === 0xfeff) chunk = chunk.slice(1);
        this.first = false;
      }
      // A CR that ended the last chunk ended its line; an LF that starts
      // this one is the second half of that CRLF.
      if (this.afterCr && chunk[0] === '\n') chunk = chunk.slice(1);
      this.afterCr = false;
      this.buffer += chunk;
      let start = 0;
      for (;;) {
        const cr = this.buffer.indexOf('\r', start);
        const lf = this.buffer.indexOf('\n', start);
        let end = cr < 0 ? lf : lf < 0 ? cr : Math.min(cr, lf);
        if (end < 0) break;
        const line = this.buffer.slice(start, end);
        if (end === cr && end === this.buffer.length - 1) this.afterCr = true;
        start = end + (this.buffer[end] === '\r' && this.buffer[end + 1] === '\n' ? 2 : 1);
        this.line(line);
      }
      this.buffer = this.buffer.slice(start);
    }

    line(line) {
      if (line === '') {
        if (this.data.length) {
          this.onEvent({ event: this.event || 'message', id: this.lastId, data: this.data.join('\n'), retry: this.retry });
        } else if (this.retry >= 0 || this.idSeen) {
          // Not an event (so never named: "event: resync" without data is
          // no resync), only the reconnection time and the last event id.
          this.onEvent({ event: 'message', id: this.lastId, data: '', retry: this.retry });
        }
        this.data = [];
        this.event = '';
        this.retry = -1;
        this.idSeen = false;
        return;
      }
      if (line[0] === ':') {
        // A comment (": keep-alive"): no event, but proof the stream is alive.
        if (this.onComment) this.onComment();
        return;
      }
      const colon = line.indexOf(':');
      const field = colon < 0 ? line : line.slice(0, colon);
      let value = colon < 0 ? '' : line.slice(colon + 1);
      if (value[0] === ' ') value = value.slice(1);
      if (field === 'data') this.data.push(value);
      else if (field === 'event') this.event = value;
      else if (field === 'id') { if (!value.includes('\0')) { this.lastId = value; this.idSeen = true; } }
      else if (field === 'retry') { if (/^\d+$/.test(value)) this.retry = Math.min(Number(value), 2147483647); }
    }
  }

  // ---- DOM patches ------------------------------------------------------------

  // A server's timestamp, which components render as <time datetime> with
  // its text in UTC ("2026-11-26 14:40 UTC", pf__html_time), is shown in
  // the reader's time zone and language, in place: the text node stays the
  // one C patches (C writes it again only when the time changes). `shown`
  // remembers which datetime each text node already shows.
  let timeFormat = null;
  const shown = new WeakMap();
  function localTimes(root) {
    const times = root.getElementsByTagName('time');
    for (let i = 0; i < times.length; i++) {
      const t = times[i];
      const text = t.firstChild;
      const at = t.dateTime;
      if (!text || text.nodeType !== 3 || text.nextSibling || shown.get(text) === at ||
        !/^\d{4}-\d\d-\d\d[T ]\d\d:\d\d/.test(at)) continue; // a date and time, as pf__html_time writes
      const d = new Date(at);
      if (Number.isNaN(d.getTime())) continue;
      timeFormat = timeFormat || new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });
      text.data = timeFormat.format(d);
      shown.set(text, at);
    }
  }

  /** Applies the patch byte strings of runtime/pf_dom.h (version 1) to one
   * mounted root element, strictly in order, in one pass. Keeps the focused
   * control's focus and selection across moves. Stops at the first
   * malformed op and reports it instead of guessing. */
  class DomApplier {
    constructor(root, onDelegatedType) {
      this.root = root;
      // id -> Node; 0 is the root. A REMOVE forgets only the top of the
      // subtree at once; the ids below it are pruned in bulk when the table
      // has doubled since the last prune (see prune), which keeps REMOVE
      // cheap (no walk of the removed subtree) and memory bounded.
      this.nodes = new Map([[0, root]]);
      this.pruneAt = 1024;
      this.removed = 0;                 // REMOVEs since the last prune
      // Element -> id for event routing, filled on demand by idFor (events
      // come at human rate; creating a 1,000-row table should not fill a
      // WeakMap with 9,000 nodes).
      this.ids = new WeakMap();         // entries die with their nodes
      this.ids.set(root, 0);
      this.onDelegatedType = onDelegatedType; // called with 'click' for data-on-click
      this.delegated = new Set();       // data-on-* names already reported
      // Short ASCII strings (tags, attribute names, classes, handler
      // names) repeat in every row: decoded once, found again by a hash of
      // their bytes and checked byte by byte (see str() in apply).
      this.strings = new Map();
    }

    apply(bytes) {
      if (bytes.length < 3 || bytes[0] !== 0x50 || bytes[1] !== 0x46 || bytes[2] !== 0x01)
        throw new PyFrameError('DOM patch: bad header', -12, 0);
      const doc = this.root.ownerDocument;
      const active = doc.activeElement;
      const keepFocus = active && active !== this.root && this.root.contains(active);
      let selection = null;
      if (keepFocus && typeof active.selectionStart === 'number') {
        selection = [active.selectionStart, active.selectionEnd, active.selectionDirection];
      }
      let pos = 3;
      const varint = () => {
        let v = 0;
        for (let shift = 0; shift < 35; shift += 7) {
          if (pos >= bytes.length) throw new PyFrameError('DOM patch: truncated', -12, pos);
          const b = bytes[pos++];
          v += (b & 0x7f) * 2 ** shift;
          if (!(b & 0x80)) return v;
        }
        throw new PyFrameError('DOM patch: varint too long', -12, pos);
      };
      const strings = this.strings;
      // `cached`: tags, attribute names and most attribute values repeat from
      // row to row: look them up by a hash of their bytes instead of decoding
      // each one again. Texts and keys rarely repeat and are decoded.
      const str = (cached) => {
        const n = varint();
        const end = pos + n;
        if (end > bytes.length) throw new PyFrameError('DOM patch: truncated string', -12, pos);
        if (!cached && n <= 24) {
          let ascii = true;
          for (let i = pos; i < end; i++) if (bytes[i] > 0x7f) { ascii = false; break; }
          if (ascii) {
            const s = n === 0 ? '' : String.fromCharCode.apply(null, bytes.subarray(pos, end));
            pos = end;
            return s;
          }
        } else if (n <= 24) {
          let h = n, ascii = true;
          for (let i = pos; i < end; i++) {
            const b = bytes[i];
            if (b > 0x7f) { ascii = false; break; }
            h = (Math.imul(h, 31) + b) | 0;
          }
          if (ascii) {
            let s = strings.get(h);
            let same = s !== undefined && s.length === n;
            for (let i = 0; same && i < n; i++) same = s.charCodeAt(i) === bytes[pos + i];
            if (!same) {
              s = n === 0 ? '' : String.fromCharCode.apply(null, bytes.subarray(pos, end));
              if (strings.size >= 1024) strings.clear();
              strings.set(h, s);
            }
            pos = end;
            return s;
          }
        }
        const s = decoder.decode(bytes.subarray(pos, end));
        pos = end;
        return s;
      };
      const nodes = this.nodes;
      const node = (id) => {
        const n = nodes.get(id);
        if (!n) throw new PyFrameError(`DOM patch: unknown node ${id}`, -12, pos);
        return n;
      };
      const delegated = this.delegated;
      const templates = new Map(); // CLONE sources of this patch -> detached copies
      let run = null; // adjacent siblings being removed: {first, last, count}
      const removeRun = () => {
        if (!run) return;
        const { first, last, count } = run;
        run = null;
        const parent = first.parentNode;
        if (!parent) return;
        if (count === 1) {
          first.remove();
        } else if (first === parent.firstChild && last === parent.lastChild) {
          parent.textContent = '';
        } else {
          const range = doc.createRange();
          range.setStartBefore(first);
          range.setEndAfter(last);
          range.deleteContents();
        }
      };
      while (pos < bytes.length) {
        const at = pos;
        const op = bytes[pos++];
        if (run && op !== 0x05) removeRun();
        switch (op) {
          case 0x01: { const id = varint(); nodes.set(id, doc.createElement(str(true))); break; }
          case 0x02: { const id = varint(); nodes.set(id, doc.createTextNode(str(false))); break; }
          case 0x03:
          case 0x04: {
            const parent = node(varint());
            const child = node(varint());
            const beforeId = varint();
            parent.insertBefore(child, beforeId ? node(beforeId) : null);
            break;
          }
          case 0x05: {
            const id = varint();
            const n = node(id);
            nodes.delete(id);
            this.removed++;
            // Consecutive REMOVEs of adjacent siblings (a cleared or
            // shortened list) are removed as one run.
            if (run && n === run.last.nextSibling) {
              run.last = n;
              run.count++;
            } else {
              removeRun();
              run = { first: n, last: n, count: 1 };
            }
            continue;
          }
          case 0x06: {
            const el = node(varint());
            const name = str(true);
            const value = str(name !== 'data-id' && name !== 'id'); // keys differ per row
            const c0 = name.charCodeAt(0) | 0x20;
            if (c0 === 0x6f && (name.charCodeAt(1) | 0x20) === 0x6e) break; // on*: defence in depth, C never emits these
            el.setAttribute(name, value);
            // The attribute is only the default once the user has clicked:
            // the property is what the box shows (as SET_VALUE for value).
            if (name === 'checked' || name === 'selected') el[name] = true;
            if (c0 === 0x64 && name.startsWith('data-on-')) {
              if (!delegated.has(name)) {
                delegated.add(name);
                if (this.onDelegatedType) this.onDelegatedType(name.slice(8));
              }
            }
            break;
          }
          case 0x07: {
            const el = node(varint());
            const name = str(true);
            el.removeAttribute(name);
            if (name === 'checked' || name === 'selected') el[name] = false;
            break;
          }
          case 0x08: { const t = node(varint()); t.data = str(false); break; }
          case 0x09: {
            const el = node(varint());
            const value = str(false);
            if (el.value !== value) el.value = value;
            break;
          }
          case 0x0a: { const el = node(varint()); el.innerHTML = str(false); break; }
          case 0x0b: {
            // CLONE id src count: a list row made from a row created earlier
            // in this patch; ids bound in document order.
            const id = varint();
            // Clone a detached copy of the source rather than the live row:
            // taken at its first use in this patch, while it still is
            // exactly what the ops built.
            const src = node(varint());
            let tpl = templates.get(src);
            if (!tpl) { tpl = src.cloneNode(true); templates.set(src, tpl); }
            const top = tpl.cloneNode(true);
            const count = varint();
            let k = 0;
            for (let n = top; n;) {
              if (k === count) throw new PyFrameError('DOM patch: clone larger than its count', -12, at);
              nodes.set(id + k++, n);
              if (n.firstChild) { n = n.firstChild; continue; }
              while (n !== top && !n.nextSibling) n = n.parentNode;
              n = n === top ? null : n.nextSibling;
            }
            if (k !== count) throw new PyFrameError('DOM patch: clone smaller than its count', -12, at);
            break;
          }
          default:
            throw new PyFrameError(`DOM patch: unknown op ${op}`, -12, at);
        }
      }
      removeRun();
      if (keepFocus && active.isConnected && doc.activeElement !== active) {
        active.focus({ preventScroll: true });
        if (selection) {
          try { active.setSelectionRange(selection[0], selection[1], selection[2]); } catch (e) { /* not a text control */ }
        }
      }
      // Only removals leave ids of detached nodes behind (the descendants
      // of a removed node): without any, a growing table is all live nodes.
      if (nodes.size >= this.pruneAt) {
        if (this.removed) this.prune();
        else this.pruneAt = nodes.size * 2;
      }
    }

    /** Empties the root and forgets every id: the next patch builds the
     * whole tree (after a patch that failed half-way). */
    clear() {
      this.root.textContent = '';
      this.nodes = new Map([[0, this.root]]);
      this.ids = new WeakMap();
      this.ids.set(this.root, 0);
      this.pruneAt = 1024;
      this.removed = 0;
    }

    /** Forgets the ids of removed subtrees (they are never used again):
     * every node no longer under the root. Runs when the table has doubled
     * since the last prune, so its cost is amortised over the creations
     * that grew it, and the table stays within twice the live nodes. */
    prune() {
      const root = this.root;
      for (const [id, n] of this.nodes) if (id !== 0 && !root.contains(n)) this.nodes.delete(id);
      this.pruneAt = Math.max(1024, this.nodes.size * 2);
      this.removed = 0;
    }

    /** Number of node ids the applier holds (live ones, and removed ones
     * not yet pruned); for tests. */
    get size() { return this.nodes.size; }

    /** The id of node `n` if a patch created it (undefined otherwise, say
     * inside trusted markup). Looked up once per node, then remembered: a
     * walk of the id table, done for event targets only. */
    idFor(n) {
      let id = this.ids.get(n);
      if (id !== undefined) return id;
      for (const [i, m] of this.nodes) {
        if (m === n) { id = i; break; }
      }
      if (id !== undefined) this.ids.set(n, id);
      return id;
    }

    /** The id of the nearest node with one at or above `n` inside the root. */
    idOf(n) {
      for (let cur = n; cur && cur !== this.root.parentNode; cur = cur.parentNode) {
        const id = this.idFor(cur);
        if (id !== undefined) return id;
      }
      return undefined;
    }
  }

  // ---- the loaded runtime ---------------------------------------------------

  /** Calls a token provider (sync or async); returns its token or throws. */
  async function askToken(getToken) {
    const token = await getToken();
    if (typeof token !== 'string' || !token) throw new Error('it returned no token');
    return token;
  }

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

    /** The token provider of the mounted components' shared connections
     * (sync or async; null removes it): called once after a 4001 / 401 on
     * one of them; its token replaces the one the props put in the URLs
     * (setComponentToken). */
    setTokenProvider(getToken) {
      if (getToken !== null && typeof getToken !== 'function')
        throw new PyFrameError('setTokenProvider: expected a function or null', PF_EINVAL);
      if (this.tokenTarget) {
        this.core._pf_api_component_token_target(0);
        this.removeTarget(this.tokenTarget);
        this.tokenTarget = 0;
      }
      if (!getToken) return;
      this.tokenTarget = this.addTarget(async () => {
        let token;
        try {
          token = await askToken(getToken);
        } catch (e) {
          console.warn(`[pyframe_rt] ${redactTokens(`component connections: the token provider failed: ${e && e.message}`)}`);
          return;
        }
        this.setComponentToken(token);
      });
      this.core._pf_api_component_token_target(this.tokenTarget);
    }

    /** Sets the token of every shared component connection, now and later
     * (a connection waiting for one after a 4001 / 401 retries at once). */
    setComponentToken(token) {
      if (typeof token !== 'string') throw new PyFrameError('setComponentToken: expected a string', PF_EINVAL);
      withStrings(this.core, [token], (t) => this.check(this.core._pf_component_pool_set_token(t.ptr, t.len), 'setComponentToken'));
    }

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
    constructor(rt, ptr, owned = true) {
      this.rt = rt;
      this.ptr = ptr;
      this.owned = owned;       // false: a component's store, freed by C on unmount
      this.watches = new Map(); // subscription id -> target id
    }

    alive() {
      if (!this.ptr) throw new PyFrameError('this State has been freed', -9);
    }

    /** `key` as text; a lone surrogate would reach C as U+FFFD (two keys
     * the same), so it is refused. */
    static key(key, what) {
      const k = String(key);
      if (k.isWellFormed && !k.isWellFormed())
        throw new PyFrameError(`${what}: the key ${JSON.stringify(k)} holds a lone surrogate (not valid Unicode)`, -1);
      return k;
    }

    /** Returns the value of `key`, or `fallback` (default undefined) when
     * the key is not set. */
    get(key, fallback) {
      this.alive();
      const core = this.rt.core;
      const rc = withStrings(core, [State.key(key, 'state.get')], (k) =>
        core._pf_state_get_json(this.ptr, k.ptr, k.len, this.rt.scratch, this.rt.scratch + 4));
      if (rc === -5) return fallback;
      this.rt.check(rc, `state.get(${JSON.stringify(String(key))})`);
      return JSON.parse(this.rt.takeScratchString());
    }

    /** Sets `key` to `value` (any JSON-serialisable value). */
    update(key, value) {
      this.alive();
      const json = toJSONText(value, 'state.update');
      if (json === undefined) throw new PyFrameError(`state.update: the value of ${JSON.stringify(String(key))} is not JSON-serialisable`, -4);
      this.updateJSON(key, json);
    }

    /** Sets `key` to the value of a JSON text (as received from the network). */
    updateJSON(key, json) {
      this.alive();
      const core = this.rt.core;
      const rc = withStrings(core, [State.key(key, 'state.update'), String(json)], (k, j) =>
        core._pf_state_update_json(this.ptr, k.ptr, k.len, j.ptr, j.len, this.rt.errScratch));
      this.rt.checkParse(rc, `state.update(${JSON.stringify(String(key))})`);
    }

    /** Sets several keys as one change (the seed's set_multiple). */
    setMultiple(values) {
      this.alive();
      if (values === null || typeof values !== 'object' || Array.isArray(values))
        throw new PyFrameError('state.setMultiple needs a plain object', -4);
      this.setMultipleJSON(toJSONText(values, 'state.setMultiple'));
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
      const rc = withStrings(core, [State.key(key, 'state.remove')], (k) => core._pf_state_remove(this.ptr, k.ptr, k.len));
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
        // Reported after this task if it throws: an exception must not
        // unwind through C's delivery loop.
        if (event === 'change') callListener(fn, JSON.parse(json), this);
      });
      const core = this.rt.core;
      const k = key === null || key === undefined ? '' : State.key(key, 'state.subscribe');
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

    /** Drops the JS side of the subscriptions of a store C has freed
     * (a component's, on unmount). Further calls throw. */
    forget() {
      for (const target of this.watches.values()) this.rt.removeTarget(target);
      this.watches.clear();
      this.ptr = 0;
    }

    /** Frees the store. Further calls throw. A mounted component's store
     * is its component's: freeing it throws PF_ESTATE (unmount frees it). */
    free() {
      if (!this.ptr) return;
      if (!this.owned) throw new PyFrameError('state.free: a component owns this store; it is freed at unmount', PF_ESTATE);
      const ptr = this.ptr;
      this.forget();
      this.rt.core._pf_state_free(ptr);
    }
  }

  // ---- sockets and event sources ----------------------------------------------
  //
  // PyFrameRT.socket(url, options) and PyFrameRT.events(url, options): the
  // reconnecting transports of runtime/pf_ws.c, pf_sse.c and pf_pool.c for
  // pages that use them without components. JS never decides a reconnect:
  // it forwards host events to C and C's callbacks back to listeners
  // (bindings/pf_api.c, "Sockets and event sources", lists the events).

  const PF_EINVAL = -1;
  const PF_ETYPE = -4;
  const PF_ESTATE = -9;
  const PF_EFULL = -10;
  const PF_EHOST = -11;

  /** The transport options by kind: a number (ms or count) or a boolean.
   * The C glue reads them under these names (bindings/pf_api.c, "options";
   * docs/transports.md maps them to the pf_ws_opts / pf_sse_opts fields). */
  const WS_OPTIONS = {
    connectTimeout: 'ms', maxRetries: 'count', longBackoff: 'ms', heartbeatInterval: 'ms',
    heartbeatTimeout: 'ms', heartbeat: 'flag', outboxMax: 'count', outboxMaxBytes: 'count',
    outbox: 'flag', maxFrameBytes: 'count', resume: 'flag', resendWindow: 'count',
    maxConnections: 'count', idleTimeout: 'ms',
  };
  const SSE_OPTIONS = {
    connectTimeout: 'ms', maxRetries: 'count', maxDataBytes: 'count', resume: 'flag',
    allowText: 'flag', idleTimeout: 'ms',
  };
  const BACKOFF_OPTIONS = ['min', 'base', 'cap', 'factor', 'resetAfter'];

  /** Turns the transport options into the JSON text the C glue reads;
   * throws a PyFrameError (PF_EINVAL) naming a bad option. */
  function transportOptionsJSON(options, table, extra) {
    const out = Object.assign({}, extra);
    const number = (name, v) => {
      if (typeof v !== 'number' || !(v >= 0) || v === Infinity)
        throw new PyFrameError(`option ${name}: expected a non-negative number, got ${String(v)}`, PF_EINVAL);
      return v;
    };
    for (const [name, kind] of Object.entries(table)) {
      const v = options[name];
      if (v === undefined) continue;
      if (kind === 'flag') {
        if (typeof v !== 'boolean') throw new PyFrameError(`option ${name}: expected true or false`, PF_EINVAL);
        out[name] = v;
      } else if (number(name, v) !== 0 || name === 'idleTimeout') {
        // 0 keeps the default (C reads 0 as "not set"; skipped here, so
        // that `extra`'s defaults hold too), except idleTimeout: 0 closes a
        // shared connection as soon as its last user leaves.
        out[name] = v;
      }
    }
    if (options.backoff !== undefined) {
      if (!options.backoff || typeof options.backoff !== 'object')
        throw new PyFrameError('option backoff: expected {min, base, cap, factor, resetAfter}', PF_EINVAL);
      const backoff = {};
      for (const name of BACKOFF_OPTIONS)
        if (options.backoff[name] !== undefined) backoff[name] = number(`backoff.${name}`, options.backoff[name]);
      // Only when set: the text is also the key of a shared connection.
      if (Object.keys(backoff).length) out.backoff = backoff;
    }
    if (options.fullPolicy !== undefined) {
      if (options.fullPolicy !== 'reject' && options.fullPolicy !== 'dropOldest')
        throw new PyFrameError("option fullPolicy: expected 'reject' or 'dropOldest'", PF_EINVAL);
      out.fullPolicy = options.fullPolicy;
    }
    return JSON.stringify(out);
  }

  /** The URL of a socket (ws) or event stream: resolved against the page
   * in a browser, http(s) becoming ws(s) for a socket. Throws a
   * PyFrameError (PF_EINVAL) when it cannot be a ws(s) URL (socket) or an
   * http(s) URL (events): no URL, not a string, unparsable, another scheme,
   * or relative where there is no page (Node). */
  function transportUrl(url, kind) {
    if (typeof URL !== 'undefined' && url instanceof URL) url = url.href;
    const base = typeof location !== 'undefined' && location.href ? location.href : undefined;
    const ws = kind === 'socket';
    let u = null;
    try { u = new URL(url, base); } catch (e) { /* refused below */ }
    const given = u && u.protocol;
    if (u && ws) u.protocol = given.replace(/^http/, 'ws');
    if (typeof url !== 'string' || !u || !(ws ? /^wss?:$/ : /^https?:$/).test(u.protocol))
      throw new PyFrameError(`${kind}(${JSON.stringify(String(url))}): not a${ws ? ' ws(s)' : 'n http(s)'} URL${u || base ? '' : ' (a relative URL needs a page)'}`, PF_EINVAL);
    return base || given !== u.protocol ? u.href : url;
  }

  /** Small ids for functions and classes, so that options holding them can
   * be compared as text (the key of a shared socket). */
  const identities = new WeakMap();
  let nextIdentity = 1;
  function identity(x) {
    if (x === undefined || x === null) return 0;
    if (!identities.has(x)) identities.set(x, nextIdentity++);
    return identities.get(x);
  }

  /** Calls a listener; an exception is reported after the call instead of
   * unwinding through wasm frames (which would leave C state half-done). */
  function callListener(fn, a, b, c) {
    try {
      fn(a, b, c);
    } catch (e) {
      setTimeout(() => { throw e; }, 0);
    }
  }

  /** Throws PF_EINVAL unless `fn` is a function: a listener that is not
   * would throw a TypeError at every event instead. */
  function needFunction(event, fn) {
    if (typeof fn !== 'function') throw new PyFrameError(`on(${JSON.stringify(event)}): a function is needed`, PF_EINVAL);
  }

  /** on / off for the transport objects. Lists are copied on change, so a
   * dispatch iterates them as they were when it began. */
  class Listeners {
    constructor() { this.lists = new Map(); }

    on(event, fn) {
      needFunction(event, fn);
      this.lists.set(event, [...(this.lists.get(event) || []), fn]);
    }

    off(event, fn) {
      const list = this.lists.get(event);
      if (!list) return;
      const i = fn ? list.indexOf(fn) : -2;
      if (i === -1) return;
      const rest = i === -2 ? [] : list.filter((_, j) => j !== i);
      if (rest.length) this.lists.set(event, rest);
      else this.lists.delete(event);
    }

    has(event) { return this.lists.has(event); }

    emit(event, a, b, c) {
      const list = this.lists.get(event);
      if (!list) return;
      for (let i = 0; i < list.length; i++) callListener(list[i], a, b, c);
    }
  }

  const STATE_NAMES = ['idle', 'connecting', 'open', 'reconnecting', 'rate_limited', 'offline',
    'closed', 'auth_failed', 'forbidden', 'not_found'];

  /** Common to Socket and EventSource: listeners, the emit target, the
   * token provider and the events C sends. */
  class Transport {
    constructor(url, options) {
      if (options === null || typeof options !== 'object') throw new PyFrameError('options must be an object', PF_EINVAL);
      if (options.token !== undefined && typeof options.token !== 'string')
        throw new PyFrameError('option token: expected a string', PF_EINVAL);
      if (options.getToken !== undefined && typeof options.getToken !== 'function')
        throw new PyFrameError('option getToken: expected a function returning a token or a promise of one', PF_EINVAL);
      this.url = url;
      this.options = options;
      this.listeners = new Listeners();
      this.rt = null;
      this.target = 0;
      this.state = 'idle';
      this.lastEvent = null; // the last state event
      this.ready = null;     // set by the factory: resolves once attached
    }

    /** Listens to `event`: 'message', 'state', 'error', 'resync', or a
     * state name ('open', 'reconnecting', 'closed', 'auth_failed', ...).
     * Returns this. */
    on(event, fn) { this.listeners.on(event, fn); return this; }

    /** Removes one listener (or every listener of `event` without fn). */
    off(event, fn) { this.listeners.off(event, fn); return this; }

    /** Registers the emit target through which C reaches this object. */
    listen(rt) {
      this.rt = rt;
      const raw = (ePtr, eLen, jPtr, jLen) => this.raw(ePtr, eLen, jPtr, jLen);
      raw.raw = raw;
      this.target = rt.addTarget(raw);
    }

    /** An event from C: "m<seq>" (a message) or a named event with JSON. */
    raw(ePtr, eLen, jPtr, jLen) {
      const core = this.rt.core;
      const heap = core.HEAPU8;
      if (heap[ePtr] === 109) { // 'm'
        let seq = -1;
        if (eLen > 1) {
          seq = 0;
          for (let i = 1; i < eLen; i++) seq = seq * 10 + heap[ePtr + i] - 48;
        }
        const host = this.rt.host;
        const text = host.inText != null && jPtr === host.inPtr && jLen === host.inLen
          ? host.inText : readString(core, jPtr, jLen);
        this.message(text, seq);
        return;
      }
      this.control(readString(core, ePtr, eLen), JSON.parse(readString(core, jPtr, jLen)));
    }

    control(event, payload) {
      if (event === 'state') {
        this.setState(payload);
      } else if (event === 'error') {
        const err = new PyFrameError(`${this.kind} ${this.url}: ${this.rt.strerror(payload.code)}`, payload.code);
        err.text = payload.text;
        this.reportError(err);
      } else if (event === 'resync') {
        this.listeners.emit('resync');
      } else if (event === 'attempt') {
        this.rt.host.next = { WebSocket: this.options.WebSocket, fetch: this.options.fetch };
      } else if (event === 'token') {
        this.provideToken();
      }
    }

    /** Records a state event and tells 'state' and '<state>' listeners. */
    /** `n` counters that `read(buf)` writes into the runtime's stats
     * buffer as doubles; zeros when there is nothing to read yet (no
     * `read`: not attached, or disposed). */
    counters(n, read) {
      const v = new Float64Array(n);
      if (read) {
        const buf = this.rt.statsBuffer();
        read(buf);
        v.set(new Float64Array(this.rt.core.HEAPU8.buffer, buf, n));
      }
      return v;
    }

    setState(ev) {
      this.state = ev.state;
      this.lastEvent = ev;
      this.listeners.emit('state', ev);
      this.listeners.emit(ev.state, ev);
    }

    /** Errors go to 'error' listeners; with none, to the console, since
     * nothing may be dropped silently. */
    reportError(err) {
      if (this.listeners.has('error')) this.listeners.emit('error', err);
      else console.warn(`[pyframe_rt] ${redactTokens(err.message)}`);
    }

    /** Asks options.getToken (sync or async) for a fresh token after a
     * 4001 / 401. Without a provider the object stays auth_failed until
     * setToken() or reconnect(). */
    async provideToken() {
      const getToken = this.options.getToken;
      if (!getToken) return;
      let token;
      try {
        token = await askToken(getToken);
      } catch (e) {
        this.reportError(new PyFrameError(`${this.kind} ${this.url}: the token provider failed: ${e && e.message}`, PF_EHOST));
        return;
      }
      if (this.rt && this.target) this.applyToken(token);
    }

    /** Throws PF_ESTATE once dispose() has run: a disposed transport
     * never connects again. */
    alive(what) {
      if (this.disposed) throw new PyFrameError(`${what}: ${this.kind} ${this.url} has been disposed`, PF_ESTATE);
    }

    /** Sets the token of later attempts (and resumes an attempt waiting
     * for one). */
    setToken(token) {
      this.alive('setToken');
      if (typeof token !== 'string') throw new PyFrameError('setToken: expected a string', PF_EINVAL);
      if (!this.rt) { this.options = Object.assign({}, this.options, { token }); return; }
      this.applyToken(token);
    }

    release() {
      if (this.target) this.rt.removeTarget(this.target);
      this.target = 0;
    }
  }

  /** A reconnecting WebSocket (pf_ws), shared by default with every other
   * PyFrameRT.socket of the same URL and options (pf_pool). */
  class Socket extends Transport {
    constructor(url, options = {}) {
      super(transportUrl(url, 'socket'), options);
      this.kind = 'socket';
      this.shared = options.shared !== false;
      if (options.type !== undefined && (typeof options.type !== 'string' || !options.type))
        throw new PyFrameError('option type: expected a message type string', PF_EINVAL);
      const extra = this.shared ? { idleTimeout: 1000, maxConnections: 32 } : {};
      this.optionsJSON = transportOptionsJSON(options, WS_OPTIONS, extra);
      this.ws = 0;       // pf_ws * (private, or the pooled socket)
      this.sub = 0;      // pf_pool_sub * when shared
      this.pool = null;
      this.pending = []; // sends made before the runtime loaded
      this.closed = false;
    }

    attach(rt) {
      const core = rt.core;
      this.listen(rt);
      try {
        if (this.shared) {
          this.pool = sharedPool(rt, this, this.optionsJSON);
          const rc = withStrings(core, [this.url, this.options.type || ''], (u, t) =>
            core._pf_api_pool_subscribe(this.pool.ptr, u.ptr, u.len, t.ptr, t.len,
              this.options.noQueue ? 1 : 0, this.target, rt.scratch));
          rt.check(rc, `socket(${this.url})`);
          this.sub = new Uint32Array(core.HEAPU8.buffer, rt.scratch, 1)[0];
          this.ws = core._pf_pool_sub_ws(this.sub);
          this.pool.sockets.add(this);
          const st = STATE_NAMES[core._pf_ws_get_state(this.ws)];
          if (st !== this.state) {
            // Joined a socket that was already running: no state change
            // comes from C, so say where it stands.
            this.setState({ state: st, cause: 'shared', delay: 0, code: 0, attempt: 0 });
          }
        } else {
          this.ws = withStrings(core, [this.url, this.optionsJSON], (u, o) =>
            core._pf_api_ws_new(u.ptr, u.len, o.ptr, o.len, this.target));
          if (!this.ws) throw new PyFrameError(`socket(${this.url}): bad URL or options`, PF_EINVAL);
          if (this.options.token) withStrings(core, [this.options.token], (t) => core._pf_ws_set_token(this.ws, t.ptr, t.len));
          if (typeof this.options.lastSeq === 'number') core._pf_api_ws_set_last_seq(this.ws, this.options.lastSeq);
          rt.check(core._pf_ws_connect(this.ws), `socket(${this.url})`);
        }
      } catch (e) {
        this.detach();
        throw e;
      }
      const pending = this.pending;
      this.pending = [];
      for (const p of pending) {
        try { this.send(p.text, p.opts); } catch (e) { this.reportError(e); }
      }
      return this;
    }

    detach() {
      if (this.sub) this.rt.core._pf_pool_unsubscribe(this.sub);
      else if (this.ws) this.rt.core._pf_ws_free(this.ws);
      if (this.pool) this.pool.sockets.delete(this);
      this.sub = 0;
      this.ws = 0;
      this.release();
    }

    message(text, seq) {
      const list = this.listeners.lists.get('message');
      if (!list) return;
      let msg;
      try {
        msg = JSON.parse(text);
      } catch (e) {
        // C checked it already; report rather than drop if JS disagrees.
        const err = new PyFrameError(`${this.kind} ${this.url}: ${e.message}`, -3);
        err.text = text.slice(0, 256);
        this.reportError(err);
        return;
      }
      for (let i = 0; i < list.length; i++) callListener(list[i], msg, seq, text);
    }

    applyToken(token) {
      const core = this.rt.core;
      if (this.shared) {
        if (this.pool) this.pool.setToken(token);
      } else if (this.ws) {
        withStrings(core, [token], (t) => core._pf_ws_set_token(this.ws, t.ptr, t.len));
      }
    }

    /** Sends a JSON value (or a string as it is). Returns true when the
     * frame went out now, false when it was queued for the next open link.
     * Throws PyFrameError: PF_EFULL (outbox full: nothing is dropped),
     * PF_ESTATE (noQueue and not open, or closed), PF_ETYPE. */
    send(data, opts = {}) {
      this.alive('send');
      const text = typeof data === 'string' ? data : toJSONText(data, 'send');
      if (text === undefined) throw new PyFrameError('send: the value is not JSON-serialisable', PF_ETYPE);
      if (this.closed) throw new PyFrameError(`send: socket ${this.url} is closed`, PF_ESTATE);
      const noQueue = !!((opts && opts.noQueue) || this.options.noQueue);
      if (!this.rt) {
        // Queued as pf_ws's outbox will hold it (queue_frame: the same
        // options and defaults), so that the sends accepted now are
        // accepted when they go to C at attach.
        const o = this.options;
        const q = this.pending;
        if (noQueue || o.outbox === false) throw new PyFrameError(`send: socket ${this.url} is not open yet`, PF_ESTATE);
        const len = encoder.encode(text).length;
        const maxBytes = o.outboxMaxBytes || 1048576;
        const full = () => q.length >= (o.outboxMax || 256) || q.reduce((n, p) => n + p.len, len) > maxBytes;
        while (len <= maxBytes && q.length && full() && o.fullPolicy === 'dropOldest') {
          const err = new PyFrameError(`socket ${this.url}: the outbox is full: its oldest send was dropped`, PF_EFULL);
          err.text = q.shift().text.slice(0, 256);
          this.reportError(err);
        }
        if (len > maxBytes || full()) throw new PyFrameError(`send on ${this.url}: the outbox is full`, PF_EFULL);
        q.push({ text, opts, len });
        return false;
      }
      const core = this.rt.core;
      const rc = withStrings(core, [text], (t) => (this.sub
        ? core._pf_pool_send(this.sub, t.ptr, t.len, noQueue ? 1 : 0)
        : core._pf_ws_send(this.ws, t.ptr, t.len, noQueue ? 1 : 0)));
      if (rc < 0) {
        const why = rc === PF_EFULL ? 'the outbox is full' : rc === PF_ESTATE ? 'not open' : this.rt.strerror(rc);
        throw new PyFrameError(`send on ${this.url}: ${why}`, rc);
      }
      // Sent now unless it waits in the outbox (behind others, or on its
      // own; with dropOldest a full outbox keeps its length).
      return core._pf_ws_outbox_len(this.ws) === 0;
    }

    /** Closes at the app's request: no reconnect. A shared socket is left
     * to its other users (it closes when the last one leaves); a private
     * one keeps its outbox for a later reconnect(). */
    close() {
      if (this.closed) return;
      this.closed = true;
      if (!this.rt) return;
      if (this.shared) {
        this.detach();
        this.setState({ state: 'closed', cause: 'app', delay: 0, code: 1000, attempt: 0 });
      } else {
        this.rt.core._pf_ws_close(this.ws);
      }
    }

    /** Drops the link and connects again at once (every user of a shared
     * socket sees it); starts again after close(). */
    reconnect() {
      this.alive('reconnect');
      this.closed = false;
      if (!this.rt) return;
      if (!this.ws) this.attach(this.rt); // a shared socket after close(), or never attached
      else this.rt.check(this.rt.core._pf_ws_reconnect(this.ws), `reconnect(${this.url})`);
    }

    /** Frees the C object. Later send, reconnect and setToken throw. */
    dispose() {
      this.close();
      if (this.rt && this.ws) this.detach();
      this.disposed = true;
      this.pending = [];
    }

    /** The last seq handled (-1: none). */
    get lastSeq() { return this.ws ? this.rt.core._pf_api_ws_last_seq(this.ws) : -1; }

    /** Counters of the (possibly shared) connection. */
    get stats() {
      // Before the socket attaches (or after dispose): nothing counted yet,
      // and what waits to be sent.
      const v = this.counters(11, this.ws && ((buf) => this.rt.core._pf_api_ws_stats(this.ws, buf)));
      if (!this.ws) v[9] = this.pending ? this.pending.length : 0;
      return { received: v[0], duplicates: v[1], malformed: v[2], tooBig: v[3], sent: v[4],
        requeued: v[5], attempts: v[6], pings: v[7], coreOnly: !!v[8], queued: v[9], gaps: v[10] };
    }
  }

  /** One pf_pool per distinct set of pool options (a socket's are its
   * transport options; event streams take theirs per subscription) and
   * token, token provider, WebSocket class and fetch: sockets (or event
   * streams) to the same URL with the same options within it share one
   * connection. */
  function sharedPool(rt, sock, poolJSON) {
    const o = sock.options;
    const key = JSON.stringify([poolJSON, o.token || '', identity(o.getToken), identity(o.WebSocket), identity(o.fetch)]);
    if (!rt.socketPools) rt.socketPools = new Map();
    let pool = rt.socketPools.get(key);
    if (pool) return pool;
    const core = rt.core;
    pool = {
      ptr: 0,
      sockets: new Set(),
      setToken(token) {
        withStrings(core, [token], (t) => core._pf_pool_set_token(pool.ptr, t.ptr, t.len));
      },
    };
    const raw = (ePtr, eLen) => {
      const event = readString(core, ePtr, eLen);
      if (event === 'attempt') {
        rt.host.next = { WebSocket: o.WebSocket, fetch: o.fetch };
      } else if (event === 'token') {
        // One provider for the pool (its key includes getToken).
        const any = pool.sockets.values().next().value;
        if (any) any.provideToken();
      }
    };
    raw.raw = raw;
    const target = rt.addTarget(raw);
    pool.ptr = withStrings(core, [poolJSON], (j) => core._pf_api_pool_new(j.ptr, j.len, target));
    if (!pool.ptr) {
      rt.removeTarget(target);
      throw new PyFrameError(`socket(${sock.url}): bad options`, PF_EINVAL);
    }
    if (o.token) pool.setToken(o.token);
    rt.socketPools.set(key, pool);
    return pool;
  }

  /** The pool options of shared event streams: each stream keeps its last
   * 256 events (at most 256 KB) so that a late joiner with a lastEventId
   * resumes from it, as a stream of its own would. */
  const SHARED_POOL_JSON = JSON.stringify({ idleTimeout: 1000, maxConnections: 32, joinReplayMax: 256,
    joinReplayMaxBytes: 262144 });

  /** A reconnecting Server-Sent Events stream (pf_sse over fetch). Streams
   * to the same URL with the same options (and token, provider, fetch)
   * share one HTTP stream unless `shared: false` (a browser allows about six
   * HTTP/1.1 connections per origin, and each stream holds one). */
  class EventStream extends Transport {
    constructor(url, options = {}) {
      super(transportUrl(url, 'events'), options);
      this.kind = 'events';
      this.shared = options.shared !== false;
      this.optionsJSON = transportOptionsJSON(options, SSE_OPTIONS, {});
      if (options.lastEventId !== undefined && typeof options.lastEventId !== 'string')
        throw new PyFrameError('option lastEventId: expected a string', PF_EINVAL);
      this.sse = 0;  // pf_sse * (private, or the pooled stream)
      this.sub = 0;  // pf_pool_sub * when shared
      this.pool = null;
      this.closed = false;
      // A shared stream left by close(): where it stood, for the getters and
      // for the next subscription (reconnect() resumes from lastId).
      this.left = { lastId: options.lastEventId || '', retry: -1 };
    }

    attach(rt) {
      const core = rt.core;
      this.listen(rt);
      if (this.shared) {
        if (this.closed) return this; // subscribes on reconnect()
        try {
          this.pool = sharedPool(rt, this, SHARED_POOL_JSON);
          const rc = withStrings(core, [this.url, this.optionsJSON, this.left.lastId], (u, o, l) =>
            core._pf_api_pool_subscribe_sse(this.pool.ptr, u.ptr, u.len, o.ptr, o.len, l.ptr, l.len,
              this.target, rt.scratch));
          rt.check(rc, `events(${this.url})`);
          this.sub = new Uint32Array(core.HEAPU8.buffer, rt.scratch, 1)[0];
          this.sse = core._pf_pool_sub_sse(this.sub);
          this.pool.sockets.add(this);
        } catch (e) {
          this.detach();
          throw e;
        }
        return this;
      }
      this.sse = withStrings(core, [this.url, this.optionsJSON], (u, o) =>
        core._pf_api_sse_new(u.ptr, u.len, o.ptr, o.len, this.target));
      if (!this.sse) {
        this.release();
        throw new PyFrameError(`events(${this.url}): bad URL or options`, PF_EINVAL);
      }
      if (this.options.token) this.applyToken(this.options.token);
      if (this.options.lastEventId)
        withStrings(core, [this.options.lastEventId], (s) => core._pf_sse_set_last_event_id(this.sse, s.ptr, s.len));
      if (!this.closed) rt.check(core._pf_sse_connect(this.sse), `events(${this.url})`);
      return this;
    }

    detach() {
      if (this.sse) this.left = { lastId: this.lastEventId, retry: this.serverRetry };
      if (this.sub) this.rt.core._pf_pool_unsubscribe(this.sub);
      else if (this.sse) this.rt.core._pf_sse_free(this.sse);
      if (this.pool) this.pool.sockets.delete(this);
      this.sub = 0;
      this.sse = 0;
      this.release();
    }

    /** An event: {event, id, seq, data} from C. Listeners of 'message'
     * get (data, {event, id, seq}). */
    message(text) {
      if (!this.listeners.has('message')) return;
      const m = JSON.parse(text);
      this.listeners.emit('message', m.data, { event: m.event, id: m.id, seq: m.seq });
    }

    applyToken(token) {
      const core = this.rt.core;
      if (this.shared) {
        if (this.pool) this.pool.setToken(token);
      } else if (this.sse) {
        withStrings(core, [token], (t) => core._pf_sse_set_token(this.sse, t.ptr, t.len));
      }
    }

    /** Stops at the app's request. A shared stream is left to its other
     * users (it closes when the last one leaves). */
    close() {
      if (this.shared) {
        if (this.closed) return;
        this.closed = true;
        if (!this.rt || !this.sub) return;
        this.detach();
        this.setState({ state: 'closed', cause: 'app', delay: 0, code: 0, attempt: 0 });
        return;
      }
      this.closed = true;
      if (this.sse) this.rt.core._pf_sse_close(this.sse);
    }

    /** Starts again (after close(), a stop, or to retry at once; every user
     * of a shared stream sees it). */
    reconnect() {
      this.alive('reconnect');
      this.closed = false;
      if (!this.rt) return;
      if (this.shared && !this.sub) {
        this.attach(this.rt);
        return;
      }
      if (this.sse) this.rt.check(this.rt.core._pf_sse_reconnect(this.sse), `reconnect(${this.url})`);
    }

    dispose() {
      this.close(); // listeners hear 'closed', as a Socket's do
      if (this.rt && (this.sse || this.sub)) this.detach();
      this.disposed = true;
    }

    /** The last event id seen ('' when none); the next stream resumes
     * from it with ?last_event_id=. */
    get lastEventId() {
      if (!this.sse) return this.left.lastId;
      const core = this.rt.core;
      const ptr = core._pf_sse_last_event_id(this.sse, this.rt.scratch);
      return readString(core, ptr, new Uint32Array(core.HEAPU8.buffer, this.rt.scratch, 1)[0]);
    }

    /** The server's last retry: value in ms, or -1. */
    get serverRetry() { return this.sse ? this.rt.core._pf_sse_server_retry_ms(this.sse) : this.left.retry; }

    get stats() {
      const v = this.counters(7, this.sse && ((buf) => this.rt.core._pf_api_sse_stats(this.sse, buf)));
      return { received: v[0], duplicates: v[1], malformed: v[2], tooBig: v[3], attempts: v[4], errors: v[5],
        deadLinks: v[6] };
    }
  }

  /** Returns a Socket / EventStream at once and attaches it to the runtime
   * in a microtask (or when load() resolves), so that listeners added right
   * after creation hear every event, the first 'connecting' included. */
  function openTransport(getRuntime, make) {
    const t = make();
    const start = (runtime) => {
      t.ready = runtime.then((rt) => {
        if (t.disposed) return t;
        if (t.closed && t.kind === 'socket') {
          t.rt = rt; // closed before it loaded: reconnect() attaches it
          return t;
        }
        t.attach(rt);
        return t;
      }, (e) => {
        // The runtime did not load: t (its queued sends too) waits for a
        // load() that succeeds, the one under way or the next one; `ready`
        // becomes that one's.
        if (loading) start(loading);
        else waiting.add(start);
        const err = new PyFrameError(`${t.kind} ${t.url}: the runtime did not load: ${e && e.message}`,
          e instanceof PyFrameError ? e.code : PF_EHOST);
        err.cause = e;
        throw err;
      });
      t.ready.catch((e) => t.reportError(e));
    };
    start(Promise.resolve().then(getRuntime));
    return t;
  }

  Runtime.prototype.statsBuffer = function statsBuffer() {
    if (!this.statsScratch) this.statsScratch = this.core._malloc(8 * 16);
    return this.statsScratch;
  };

  /** rt.socket(url, options): see PyFrameRT.socket. */
  Runtime.prototype.socket = function socket(url, options = {}) {
    return openTransport(() => this, () => new Socket(url, options));
  };

  /** rt.events(url, options): see PyFrameRT.events. */
  Runtime.prototype.events = function events(url, options = {}) {
    return openTransport(() => this, () => new EventStream(url, options));
  };

  // ---- components -------------------------------------------------------------

  /** Event types that do not bubble: delegated in the capture phase. */
  const CAPTURE_TYPES = new Set(['focus', 'blur', 'scroll', 'load', 'error']);

  /** What PyFrameRT.mount returns: the mounted instance of a component. */
  class ComponentHandle {
    constructor(rt, name, element) {
      this.rt = rt;
      this.name = name;
      this.element = element;
      this.root = 0;
      this.listeners = new Map();   // page event -> Set of functions
      this.domListeners = new Map(); // DOM event type -> listener
      this.applier = null;
      this.stateView = null;
    }

    /** The component's State store (read it, subscribe to it, or set
     * values as the component's own code would). */
    get state() {
      if (!this.root) throw new PyFrameError(`${this.name} is not mounted`, -9);
      if (!this.stateView) {
        const ptr = this.rt.core._pf_api_component_state(this.root);
        this.stateView = new State(this.rt, ptr, false);
      }
      return this.stateView;
    }

    get mounted() { return this.root !== 0; }

    /** Listens to an event the component emits (pf_component_emit). */
    on(event, fn) {
      needFunction(event, fn);
      if (!this.listeners.has(event)) this.listeners.set(event, new Set());
      this.listeners.get(event).add(fn);
      return () => this.off(event, fn);
    }

    off(event, fn) { this.listeners.get(event)?.delete(fn); }

    /** Delivered by the host: a page event, or one of the fixed browser
     * calls of pf_component_call ("call:focus", ...). */
    receive(event, payload) {
      if (event.startsWith('call:')) return this.browserCall(event.slice(5), payload);
      let data = payload;
      try { data = JSON.parse(payload); } catch (e) { /* keep the text */ }
      // A listener that throws is reported after this task, as the
      // transports' listeners are: the exception must not unwind through
      // the component's C frames.
      for (const fn of [...(this.listeners.get(event) || [])]) callListener(fn, data);
      return 0;
    }

    /** The element of this component whose data-id (else id) is `key`. */
    byKey(key) {
      const k = String(key);
      for (const el of this.element.querySelectorAll('[data-id], [id]')) {
        if (el.getAttribute('data-id') === k || (!el.hasAttribute('data-id') && el.id === k)) return el;
      }
      return null;
    }

    browserCall(name, args) {
      const el = args && args.key !== undefined ? this.byKey(args.key) : null;
      if (!el) return -5;
      switch (name) {
        case 'focus': el.focus(); return 0;
        case 'blur': el.blur(); return 0;
        case 'scroll_into_view': el.scrollIntoView({ block: 'nearest' }); return 0;
        case 'set_selection':
          el.setSelectionRange(args.start, args.end);
          return 0;
        case 'set_range_text': {
          // A remote edit: replace a range without reassigning the value,
          // so the browser keeps the local caret where it belongs.
          if (el.pfEditor) return el.pfEditor.remote(args); // DocumentEditor (issue 7)
          const focused = el.ownerDocument.activeElement === el;
          const [s, e] = [el.selectionStart, el.selectionEnd];
          el.setRangeText(String(args.text), args.start, args.end, 'preserve');
          if (!focused) el.setSelectionRange(s, e);
          return 0;
        }
        default: return -1;
      }
    }

    /** Routes DOM events of `type` declared with data-on-<type> in the
     * markup to the component in C (one listener per type on the root). */
    delegate(type) {
      if (this.domListeners.has(type) || !/^[a-z]+$/.test(type)) return;
      const attr = `data-on-${type}`;
      const listener = (ev) => {
        if (!this.root) return;
        const target = ev.target && ev.target.closest ? ev.target.closest(`[${attr}]`) : null;
        if (!target || !this.element.contains(target)) return;
        const nodeId = this.applier.idFor(target);
        if (nodeId === undefined) return; // inside trusted markup: not ours
        if (type === 'submit') ev.preventDefault();
        const control = ev.target;
        const isText = control && typeof control.selectionStart === 'number';
        const value = control && 'value' in control && typeof control.value === 'string' ? control.value : null;
        const core = this.rt.core;
        withStrings(core, [type, value ?? ''], (t, v) =>
          core._pf_component_dispatch(this.root, nodeId, t.ptr, t.len, value === null ? 0 : v.ptr, v.len,
            isText ? control.selectionStart : -1, isText ? control.selectionEnd : -1));
      };
      this.element.addEventListener(type, listener, CAPTURE_TYPES.has(type));
      this.domListeners.set(type, listener);
    }

    /** Unmounts the component: it removes its DOM, closes its connections
     * and frees its memory. Calling it twice is harmless. */
    unmount() {
      if (!this.root) return;
      const rt = this.rt;
      // Called from one of the component's own callbacks (a listener of
      // its events), C refuses (-9: its frames are still running): the
      // unmount happens as soon as they have returned.
      if (rt.core._pf_component_unmount_root(this.root) === PF_ESTATE) {
        if (!this.unmountQueued) {
          this.unmountQueued = true;
          queueMicrotask(() => { this.unmountQueued = false; this.unmount(); });
        }
        return;
      }
      // C has freed the store with its subscriptions: the state view only
      // lets go of its JS side.
      if (this.stateView) this.stateView.forget();
      this.stateView = null;
      for (const ed of this.editors || []) ed.detach(); // DocumentEditor (issue 7)
      this.editors = null;
      for (const [type, fn] of this.domListeners) this.element.removeEventListener(type, fn, CAPTURE_TYPES.has(type));
      this.domListeners.clear();
      rt.host.patchers.delete(this.root);
      rt.removeTarget(this.root);
      rt.mounted.delete(this.element);
      this.root = 0;
    }
  }

  /** Reads props from data-* attributes: JSON-looking values are parsed
   * ("3", "true", "[1]"), everything else stays a string. */
  function propsFromDataset(el) {
    const props = {};
    for (const [k, v] of Object.entries(el.dataset)) {
      if (k === 'pyframeComponent') continue;
      const key = k.replace(/[A-Z]/g, (c) => '_' + c.toLowerCase());
      let value = v;
      if (/^(true|false|null|-?\d+(\.\d+)?|[[{].*)$/s.test(v)) {
        try { value = JSON.parse(v); } catch (e) { value = v; }
      }
      props[key] = value;
    }
    return props;
  }

  Runtime.prototype.mount = function mount(name, elementOrId, props = {}) {
    if (typeof document === 'undefined') throw new PyFrameError('mount needs a DOM (a browser page)', -9);
    if (typeof elementOrId !== 'string' && !(elementOrId && elementOrId.nodeType === 1))
      throw new PyFrameError(`mount(${JSON.stringify(name)}): expected an element id string or an Element`, PF_EINVAL);
    const el = typeof elementOrId === 'string' ? document.getElementById(elementOrId) : elementOrId;
    if (!el) throw new PyFrameError(`mount(${JSON.stringify(name)}): no element with id ${JSON.stringify(String(elementOrId))}`, -5);
    if (!this.mounted) this.mounted = new WeakMap();
    if (this.mounted.has(el)) {
      const other = this.mounted.get(el);
      throw new PyFrameError(`mount(${JSON.stringify(name)}): element ${el.id ? '#' + el.id : ''} already has ${other.name} mounted`, -13);
    }
    if (props === null || typeof props !== 'object' || Array.isArray(props))
      throw new PyFrameError(`mount(${JSON.stringify(name)}): props must be a plain object`, -4);
    const handle = new ComponentHandle(this, String(name), el);
    const root = this.addTarget((event, payload) => handle.receive(event, payload));
    handle.root = root;
    handle.applier = new DomApplier(el, (type) => handle.delegate(type));
    this.host.patchers.set(root, (bytes) => {
      // Never let an exception unwind through the wasm frames that sent
      // the patch. A patch that stopped half-way left the DOM unlike C's
      // tree: the root is emptied and C sends the whole tree again (-11).
      try {
        handle.applier.apply(bytes);
        if (handle.was) { // the whole tree again, with new editor textareas
          const was = handle.was;
          handle.was = null;
          handle.attachEditors(was);
        }
        localTimes(el);
        for (const ed of handle.editors || []) ed.scheduleMarks(); // other users' cursors
        return 0;
      } catch (e) {
        console.error(redactTokens(`[pyframe_rt] ${String(name)}: ${e.message}`));
        // What the editor textareas showed, for the new ones (the first
        // failure's: a second one finds them already out of the page).
        handle.was = handle.was || (handle.editors || []).map(({ el }) => ({
          s: el.selectionStart, e: el.selectionEnd, dir: el.selectionDirection,
          top: el.scrollTop, left: el.scrollLeft, focused: el.ownerDocument.activeElement === el }));
        handle.applier.clear();
        return -11;
      }
    });
    let propsJSON;
    try {
      propsJSON = JSON.stringify(props);
    } catch (e) {
      propsJSON = undefined;
    }
    this.mounted.set(el, handle);
    // The element's content makes way for the component's markup; a mount
    // that fails puts it back.
    const kept = [...el.childNodes];
    el.textContent = '';
    const core = this.core;
    let rc;
    try {
      rc = propsJSON === undefined ? -4 : withStrings(core, [String(name), propsJSON], (n, p) =>
        core._pf_api_mount(n.ptr, n.len, root, p.ptr, p.len));
    } catch (e) {
      rc = -11;
    }
    if (rc < 0) {
      this.host.patchers.delete(root);
      this.removeTarget(root);
      this.mounted.delete(el);
      handle.root = 0;
      el.replaceChildren(...kept);
      if (rc === -4) throw new PyFrameError(`mount(${JSON.stringify(name)}): props are not JSON-serialisable`, -4);
      const why = rc === -5 ? `unknown component ${JSON.stringify(String(name))}` : this.strerror(rc);
      throw new PyFrameError(`mount(${JSON.stringify(name)}): ${why}`, rc);
    }
    handle.attachEditors(); // DocumentEditor's textarea (issue 7)
    return handle;
  };

  /** Mounts every element with data-pyframe-component="Name" under `root`,
   * with props from its data-* attributes. Returns the handles; elements
   * already mounted are skipped; an element that fails is reported in
   * `errors` and does not stop the others. */
  Runtime.prototype.mountAll = function mountAll(root) {
    if (root === undefined) {
      if (typeof document === 'undefined') throw new PyFrameError('mountAll needs a DOM (a browser page)', -9);
      root = document;
    }
    if (!root || (root.nodeType !== 1 && root.nodeType !== 9 && root.nodeType !== 11))
      throw new PyFrameError('mountAll: expected a root Element, Document, ShadowRoot or DocumentFragment, or nothing', PF_EINVAL);
    const handles = [];
    const errors = [];
    for (const el of root.querySelectorAll('[data-pyframe-component]')) {
      if (this.mounted && this.mounted.has(el)) continue;
      try {
        handles.push(this.mount(el.dataset.pyframeComponent, el, propsFromDataset(el)));
      } catch (e) {
        errors.push({ element: el, error: e });
      }
    }
    handles.errors = errors;
    return handles;
  };

  // ---- components: messages and synchronous render (DOM tests, bench) -------

  /** Hands one message to the component's on_message, as a frame from its
   * connection would: `msg` is an object (sent as JSON) or a JSON text.
   * Throws a PyFrameError when the component is not mounted or the text is
   * not JSON. The DOM changes at the next animation frame, or at once
   * with flush(). */
  ComponentHandle.prototype.deliver = function deliver(msg) {
    if (!this.root) throw new PyFrameError(`${this.name} is not mounted`, PF_ESTATE);
    const text = typeof msg === 'string' ? msg : toJSONText(msg, 'deliver');
    if (text === undefined) throw new PyFrameError('deliver: the message is not JSON-serialisable', PF_ETYPE);
    const core = this.rt.core;
    const rc = withStrings(core, [text], (t) => core._pf_api_component_deliver(this.root, t.ptr, t.len));
    this.rt.check(rc, `${this.name}.deliver`);
  };

  /** Renders now if the component's state changed (instead of at the next
   * animation frame): the DOM is up to date when this returns. */
  ComponentHandle.prototype.flush = function flush() {
    if (!this.root) throw new PyFrameError(`${this.name} is not mounted`, PF_ESTATE);
    this.rt.check(this.rt.core._pf_api_component_flush(this.root), `${this.name}.flush`);
  };

  /** Memory and instance counts, for leak checks: `components` mounted
   * (pf_component_count), `heapUsed` bytes allocated by malloc, and
   * `heapSize` bytes of wasm memory. */
  Runtime.prototype.memoryStats = function memoryStats() {
    const core = this.core;
    return {
      components: core._pf_component_count(),
      heapUsed: core._pf_api_heap_used(),
      heapSize: core.HEAPU8.length,
    };
  };

  // ---- components: DocumentEditor's textarea (issue 7) -------------------
  //
  // A textarea marked data-pf-editor belongs to a DocumentEditor: the
  // browser owns its text, and C is told only what changed. beforeinput
  // records the selection and the inserted text; input checks the caret
  // the edit left and sends (start, deleted, inserted) in UTF-16 units to
  // pf_api_editor_splice, which converts to code points with its index of
  // astral characters. Nothing here reads the whole value on a keystroke;
  // only a forward delete of a collapsed selection reads textLength. When
  // the range cannot be known (spellcheck replacements, drag and drop, an
  // unexpected caret) the whole text goes to pf_api_editor_text (a diff in
  // C: correct, O(n)). An IME composition is one edit, sent at
  // compositionend; remote edits that arrive meanwhile are mapped around
  // it. Undo and redo are the OT client's (historyUndo / Ctrl+Z). Remote
  // edits arrive as set_range_text browser calls (remote() below).

  const EDITOR_INSERT = new Set(['insertText', 'insertLineBreak', 'insertParagraph', 'insertFromPaste',
    'insertFromYank', 'insertTranspose']);
  const EDITOR_DELETE = /^delete(Content|Word|SoftLine|HardLine|EntireSoftLine|ByCut)/;

  function editorText(ev) {
    const t = ev.inputType;
    if (t === 'insertLineBreak' || t === 'insertParagraph') return '\n';
    let d = ev.data;
    if ((d === null || d === undefined) && ev.dataTransfer) d = ev.dataTransfer.getData('text/plain');
    if (d === null || d === undefined) return null;
    return String(d).replace(/\r\n?/g, '\n'); // what a textarea stores
  }

  class EditorInput {
    constructor(handle, el) {
      this.handle = handle;
      this.el = el;
      this.pending = null;   // what beforeinput saw
      this.comp = null;      // {start, orig, len, broken}: an IME composition
      this.afterComp = false;
      this.lastCursor = -1;
      this.cursorTimer = 0;
      this.checkTimer = 0;
      // Counters; remoteMs includes browserMs, the time inside setRangeText.
      this.stats = { splices: 0, fallbacks: 0, remote: 0, localMs: 0, remoteMs: 0, browserMs: 0 };
      const core = handle.rt.core;
      this.core = core;
      // A textarea rendered again (after a failed patch) is empty: it shows
      // C's text before anything compares them (the length check would
      // make C take the empty text: the document deleted).
      const scratch = handle.rt.scratch;
      const p = core._pf_api_editor_data(handle.root, scratch);
      const text = readString(core, p, new Uint32Array(core.HEAPU8.buffer, scratch, 1)[0]);
      if (el.value !== text) el.value = text;
      this.len = Math.max(0, core._pf_api_editor_length16(handle.root)); // UTF-16 length C knows
      this.listeners = {
        beforeinput: (e) => this.timed('localMs', () => this.onBeforeInput(e)),
        input: (e) => this.timed('localMs', () => this.onInput(e)),
        compositionstart: () => this.onCompositionStart(),
        compositionend: (e) => this.timed('localMs', () => this.onCompositionEnd(e)),
        keydown: (e) => this.onKeyDown(e),
        keyup: () => this.scheduleCursor(),
        mouseup: () => this.scheduleCursor(),
        focus: () => this.scheduleCursor(),
        select: () => this.scheduleCursor(),
        scroll: () => this.scheduleMarks(),
      };
      for (const [t, fn] of Object.entries(this.listeners)) el.addEventListener(t, fn);
      this.marksTimer = 0;
      // The textarea resized (by the user, the window, a scrollbar, a font
      // that loaded): the cursors move with its text.
      this.resized = typeof ResizeObserver === 'function' ? new ResizeObserver(() => this.scheduleMarks()) : null;
      this.resized?.observe(el);
      this.onFonts = () => { this.places = null; this.scheduleMarks(); };
      el.ownerDocument.fonts?.addEventListener('loadingdone', this.onFonts);
      el.pfEditor = this;
    }

    timed(key, fn) {
      const t0 = performance.now();
      try { fn(); } finally {
        const dt = performance.now() - t0;
        this.stats[key] += dt;
        if (this.samples) this.samples.push(dt); // set by bench/editor.mjs
      }
    }

    detach() {
      for (const [t, fn] of Object.entries(this.listeners)) this.el.removeEventListener(t, fn);
      this.resized?.disconnect();
      this.el.ownerDocument.fonts?.removeEventListener('loadingdone', this.onFonts);
      clearTimeout(this.marksTimer);
      clearTimeout(this.cursorTimer);
      clearTimeout(this.checkTimer);
      if (this.el.pfEditor === this) delete this.el.pfEditor;
    }

    onKeyDown(e) {
      if (!(e.ctrlKey || e.metaKey) || e.altKey) return;
      const k = e.key.toLowerCase();
      if (k === 'z' || k === 'y') {
        e.preventDefault();
        this.undo(k === 'y' || e.shiftKey);
      }
    }

    undo(redo) {
      if (!this.handle.root) return;
      // The textarea shows it through remote(), with the caret after the
      // restored text (or where the undone text was), as a native undo.
      this.undoing = true;
      try {
        this.core._pf_api_editor_undo(this.handle.root, redo ? 1 : 0);
      } finally {
        this.undoing = false;
      }
      this.scheduleCursor();
    }

    onBeforeInput(e) {
      const t = e.inputType;
      if (t === 'historyUndo' || t === 'historyRedo') {
        e.preventDefault();
        this.undo(t === 'historyRedo');
        return;
      }
      if (this.comp || e.isComposing) return;
      const el = this.el;
      this.pending = { type: t, s: el.selectionStart, e: el.selectionEnd, text: EDITOR_INSERT.has(t) ? editorText(e) : '', ev: e };
    }

    onInput(e) {
      if (!this.handle.root) return;
      const t = e.inputType;
      if (this.comp || e.isComposing) {
        if (this.comp && t === 'insertCompositionText') this.comp.len = (e.data || '').length;
        return;
      }
      let p = this.pending;
      this.pending = null;
      // A beforeinput the page cancelled had no input of its own: this one
      // (document.execCommand fires none) is not what it announced.
      if (p && p.ev.defaultPrevented) p = null;
      if (this.afterComp && (t === 'insertCompositionText' || t === 'insertFromComposition' || t === 'deleteCompositionText')) {
        return; // a late event of the composition already sent
      }
      this.afterComp = false;
      if (!p && t === 'insertText' && typeof e.data === 'string') {
        // No beforeinput (document.execCommand does not fire one): the
        // inserted text ends at the caret; the lengths give what it replaced.
        const text = e.data.replace(/\r\n?/g, '\n');
        const start = this.el.selectionStart - text.length;
        const del = this.len + text.length - this.el.textLength;
        if (start < 0 || del < 0) return this.fallback();
        return this.splice(start, del, text);
      }
      if (!p || p.type !== t) return this.fallback();
      let start = p.s;
      let del = p.e - p.s;
      let text = '';
      if (EDITOR_INSERT.has(t)) {
        if (p.text === null || t === 'insertTranspose') return this.fallback();
        // Trusted without reading the caret back: after an edit, reading
        // selectionStart makes Chromium lay out the whole text (O(n)). The
        // idle length check catches a browser that did something else.
        text = p.text;
      } else if (EDITOR_DELETE.test(t)) {
        if (del === 0) {
          // A collapsed selection: the length says how much went (reading
          // textLength is cheap, unlike the caret), the direction where.
          del = this.len - this.el.textLength;
          if (/Backward$/.test(t)) start = p.s - del;
          if (del < 0 || start < 0) return this.fallback();
          if (del === 0) return undefined;
        }
      } else {
        return this.fallback();
      }
      this.splice(start, del, text);
    }

    /** A document holds no U+0000 (docs/protocol.md section 9): each one
     * the browser put in the textarea as `text` at `start` becomes U+FFFD
     * there too, one character at a time (the caret and selection stay).
     * Returns the text without U+0000, or null if the textarea does not
     * hold `text` there (the caller falls back to the whole text). */
    noNul(start, text) {
      if (!text.includes('\0')) return text;
      const el = this.el;
      if (el.value.substr(start, text.length) !== text) return null;
      const s = el.selectionStart;
      const e = el.selectionEnd;
      const dir = el.selectionDirection;
      for (let i = text.indexOf('\0'); i >= 0; i = text.indexOf('\0', i + 1))
        el.setRangeText('\uFFFD', start + i, start + i + 1);
      el.setSelectionRange(s, e, dir);
      return text.replace(/\0/g, '\uFFFD');
    }

    splice(start, del, text) {
      text = this.noNul(start, text);
      if (text === null) return this.fallback();
      const core = this.core;
      const rc = withStrings(core, [text], (s) => core._pf_api_editor_splice(this.handle.root, start, del, s.ptr, s.len));
      if (rc < 0) return this.fallback();
      this.stats.splices++;
      this.len += text.length - del;
      this.lastCursor = start + text.length; // content_change carries it
      this.scheduleCheck();
    }

    /** The whole text: when the edited range cannot be known. */
    fallback() {
      if (!this.handle.root) return;
      const el = this.el;
      const value = this.noNul(0, el.value);
      const core = this.core;
      this.stats.fallbacks++;
      withStrings(core, [value], (s) => core._pf_api_editor_text(this.handle.root, s.ptr, s.len, el.selectionStart));
      this.len = value.length;
      this.lastCursor = el.selectionStart;
    }

    onCompositionStart() {
      const el = this.el;
      this.pending = null;
      const sel = el.selectionEnd - el.selectionStart;
      this.comp = { start: el.selectionStart, orig: sel, len: sel, broken: false, queue: [], flushing: false,
        // What the composition replaces (only read when there is some).
        origText: sel ? el.value.slice(el.selectionStart, el.selectionEnd) : '' };
    }

    onCompositionEnd(e) {
      const c = this.comp;
      if (!c || !this.handle.root) {
        this.comp = null;
        return;
      }
      this.afterComp = true;
      const text = String(e.data || '').replace(/\r\n?/g, '\n');
      if (this.overlapped(c, text)) return undefined;
      // The remote edits that waited, mapped around the committed text.
      c.len = text.length;
      c.flushing = true;
      for (const args of c.queue) this.remote(args);
      this.comp = null;
      if (c.broken || this.el.selectionStart !== c.start + text.length) return this.fallback();
      if (text.length === 0 && c.orig === 0) return;
      this.splice(c.start, c.orig, text);
    }

    /** The composition's range [c.start, c.start + c.orig) in C's text,
     * carried through the remote edits that waited: if one of them
     * overlaps it, the textarea is rebuilt as C's text (the one it had at
     * compositionstart with those edits) with `text` over the carried
     * range, as OT would merge them, and that splice is sent. Returns
     * false when none overlaps (remote() maps them one by one). */
    overlapped(c, text) {
      let s = c.start;
      let end = c.start + c.orig;
      let overlap = false;
      for (const a of c.queue) {
        const n = String(a.text).length;
        if (a.end <= s) {
          s += n - (a.end - a.start);
          end += n - (a.end - a.start);
        } else if (a.start < end) {
          // Deleted by both: gone. The remote's inserted text is kept,
          // after the composition's start when that was inside it.
          overlap = true;
          const d = n - (a.end - a.start);
          const ns = s <= a.start ? s : a.start + n;
          end = end >= a.end ? end + d : a.start;
          s = ns;
          if (end < s) end = s;
        }
      }
      if (!overlap) return false;
      const el = this.el;
      const v = el.value;
      // The textarea holds the committed text where the composition began.
      if (v.substr(c.start, text.length) !== text) {
        this.comp = null;
        this.fallback();
        return true;
      }
      let t = v.slice(0, c.start) + c.origText + v.slice(c.start + text.length);
      for (const a of c.queue) t = t.slice(0, a.start) + String(a.text) + t.slice(a.end);
      this.comp = null;
      this.len = t.length;
      el.value = t.slice(0, s) + text + t.slice(end);
      el.setSelectionRange(s + text.length, s + text.length);
      this.stats.remote += c.queue.length;
      if (text.length || end > s) this.splice(s, end - s, text);
      return true;
    }

    /** A remote edit (set_range_text), in the text as C knows it. During an
     * IME composition it waits: changing the value would commit the
     * composition half-typed. */
    remote(args) {
      if (this.comp && !this.comp.flushing) {
        this.comp.queue.push(args);
        return 0;
      }
      const t0 = performance.now();
      const el = this.el;
      let start = args.start;
      let end = args.end;
      const text = String(args.text);
      const c = this.comp;
      if (c) {
        // C's text has the composition's original range; the textarea has
        // the text being composed there.
        if (end <= c.start) c.start += text.length - (end - start);
        else if (start >= c.start + c.orig) {
          start += c.len - c.orig;
          end += c.len - c.orig;
        } else {
          c.broken = true;
          end = Math.max(end, Math.min(end + c.len - c.orig, el.value.length));
        }
      }
      // Reading the selection of a focused textarea costs Chromium time in
      // proportion to the text: only an unfocused one needs it restored.
      // (Its direction costs nothing to read, and setRangeText resets it: a
      // selection being extended with Shift+Arrow keeps its anchor.)
      const focused = el.ownerDocument.activeElement === el;
      const [s, e, dir] = focused ? [0, 0, el.selectionDirection] : [el.selectionStart, el.selectionEnd, el.selectionDirection];
      const b0 = performance.now();
      el.setRangeText(text, start, end, this.undoing ? 'end' : 'preserve');
      this.stats.browserMs += performance.now() - b0;
      if (!focused && !this.undoing) el.setSelectionRange(s <= start ? s : Math.max(start, s + text.length - (end - start)),
        e <= start ? e : Math.max(start, e + text.length - (end - start)), dir);
      else if (dir === 'backward' && !this.undoing) el.setSelectionRange(el.selectionStart, el.selectionEnd, dir);
      this.len += text.length - (end - start);
      this.stats.remote++;
      this.stats.remoteMs += performance.now() - t0;
      this.scheduleCheck();
      return 0;
    }

    scheduleCursor() {
      clearTimeout(this.cursorTimer);
      this.cursorTimer = setTimeout(() => {
        const el = this.el;
        if (!this.handle.root || this.comp) return;
        const pos = el.selectionDirection === 'backward' ? el.selectionStart : el.selectionEnd;
        if (pos === this.lastCursor) return;
        this.lastCursor = pos;
        this.core._pf_api_editor_cursor(this.handle.root, pos);
      }, 50);
    }

    /** At most one placeMarks a frame (16 ms). */
    scheduleMarks(delay = 16) {
      if (this.marksTimer) return;
      this.marksTimer = setTimeout(() => {
        this.marksTimer = 0;
        this.placeMarks();
      }, delay);
    }

    /** Puts the other users' cursors (the span.cursor[data-offset] C
     * renders after the textarea) where their offset is in the text, as
     * seen now (wrapped, scrolled): a hidden copy of the textarea, laid out
     * alike, measures the place, again only when the text before the
     * cursor, its offset or the layout changed. Layouts that took long (a
     * long text before a cursor) wait ten times their cost before the next
     * ones; a cursor already measured still moves at once (scroll). Beyond
     * 100,000 characters before it a cursor is hidden. */
    placeMarks() {
      const el = this.el;
      const box = el.parentElement;
      const doc = el.ownerDocument;
      const marks = box && this.handle.root ? box.querySelectorAll(':scope>.cursor[data-offset]') : [];
      if (!marks.length) return;
      const cs = getComputedStyle(el);
      const px = (k) => parseFloat(cs[k]);
      if (getComputedStyle(box).position === 'static') box.style.position = 'relative';
      // Everything the layout depends on, which is also the mirror's style.
      const layout = 'font-family font-size font-weight font-style line-height letter-spacing tab-size word-spacing direction white-space overflow-wrap'
        .split(' ').map((k) => `${k}:${cs.getPropertyValue(k)};`).join('') +
        `position:absolute;visibility:hidden;left:-99999px;top:0;width:${el.clientWidth - px('paddingLeft') - px('paddingRight')}px;--fonts:${doc.fonts?.size}`;
      const m = this.mirror || (this.mirror = doc.createElement('div'));
      const t0 = performance.now();
      const canLayout = t0 >= (this.layoutAt || 0);
      let laid = false;
      let waiting = false;
      const text = el.value;
      const x0 = el.offsetLeft + el.clientLeft + px('paddingLeft') - el.scrollLeft;
      const y0 = el.offsetTop + el.clientTop + px('paddingTop');
      const places = this.places || (this.places = new WeakMap());
      for (const mark of marks) {
        // A colour per user, the same in every page and render: a hue from
        // its id (ids in sequence a golden angle apart) for the page's CSS.
        let h = 0;
        for (const c of mark.dataset.user || '') h = Math.imul(h, 31) + c.charCodeAt(0) | 0;
        mark.style.setProperty('--pf-hue', Math.round((h >>> 0) * 137.508 % 360));
        const off = +mark.dataset.offset;
        const before = text.slice(0, off);
        let at = places.get(mark);
        const measured = at && at.layout === layout && at.before === before;
        if (off > 1e5 || off > text.length) at = null;
        else if (!measured && !canLayout) {
          waiting = true; /* stays where it was until the next layouts */
          continue;
        } else if (!measured) {
          if (!m.isConnected) {
            m.style.cssText = layout;
            doc.body.append(m);
          }
          const end = doc.createElement('span');
          end.textContent = '\u200b';
          m.replaceChildren(before, end);
          at = { layout, before, x: end.offsetLeft, y: end.offsetTop };
          places.set(mark, at);
          laid = true;
        }
        const y = at ? at.y - el.scrollTop : -1;
        if (at) Object.assign(mark.style, { position: 'absolute', left: `${x0 + at.x}px`, top: `${y0 + y}px` });
        mark.style.visibility = y >= 0 && y < el.clientHeight - px('paddingTop') ? '' : 'hidden';
      }
      m.remove();
      const cost = performance.now() - t0;
      if (laid && cost > 4) this.layoutAt = t0 + cost * 10;
      if (waiting) this.scheduleMarks(this.layoutAt - t0);
    }

    /** Off the keystroke path: if the textarea and C disagree on the
     * length, C takes the textarea's text. */
    scheduleCheck() {
      clearTimeout(this.checkTimer);
      this.checkTimer = setTimeout(() => {
        if (!this.handle.root || this.comp) return;
        const n = this.core._pf_api_editor_length16(this.handle.root);
        if (n >= 0 && n !== this.el.textLength) this.fallback();
        else this.len = this.el.textLength;
      }, 1000);
    }
  }

  /** Attaches the input path to the component's editor textareas (called
   * once the first render is in the DOM, and after a failed patch once the
   * whole tree is in again: new textareas take the selection, scroll and
   * focus the old ones had, in `was`). Detaches the editors whose
   * textarea is gone. */
  ComponentHandle.prototype.attachEditors = function attachEditors(was = []) {
    const editors = [];
    for (const el of this.element.querySelectorAll('textarea[data-pf-editor]')) {
      const w = !el.pfEditor && was[editors.length];
      editors.push(el.pfEditor || new EditorInput(this, el));
      if (w) {
        el.setSelectionRange(w.s, w.e, w.dir);
        el.scrollTop = w.top;
        el.scrollLeft = w.left;
        if (w.focused) el.focus({ preventScroll: true });
      }
    }
    for (const ed of this.editors || []) if (!editors.includes(ed)) ed.detach();
    this.editors = editors;
  };

  /** The editor's own counters: splices and fallbacks sent, remote edits
   * applied, and the milliseconds spent in its handlers. */
  ComponentHandle.prototype.editorStats = function editorStats() {
    const ed = (this.editors || [])[0];
    if (!ed) return null;
    return { ...ed.stats, rev: this.rt.core._pf_api_editor_rev(this.root), length16: this.rt.core._pf_api_editor_length16(this.root) };
  };

  // ---- OT ----
  //
  // rt.ot.type is the text-unicode OT type with the exported surface of the
  // npm package ot-text-unicode 4 (name, uri, create, apply, compose,
  // transform, normalize, checkOp, transformPosition, ...), computed by
  // runtime/pf_ot.c, so that a ShareDB server can register it as a drop-in.
  // Operations cross as JSON (bindings/pf_api.c, "OT"); strings go through
  // one reusable heap buffer, not a malloc per call. Snapshots are JS
  // strings; positions and lengths count code points.
  //
  // rt.ot.Document is a document that stays in the wasm heap (pf_text): per
  // edit only the operation crosses, packed into reused buffers without JSON.
  // rt.ot.Op is an operation that stays in the heap, for code that
  // transforms and composes repeatedly (an OT client or server loop).
  //
  // Differences from the npm type, all on input it does not check: counts
  // must be integers, a delete object must be exactly {d}, strings must not
  // hold lone surrogates; each is an Error here instead of a silent result.
  // Positions are integers below 2^32 - 1 (a wasm size_t): transformPosition
  // and transformSelection throw a range error (-6) where npm's position
  // reaches 2^32 - 1 at any step of the op (a cursor past the end of any
  // document), never a wrapped or wrong one. makeInvertible and
  // invertWithDoc, like npm's, fill in only {d: N} and keep the text of
  // {d: 'text'} even where it differs from the document; a delete past the end is cut to what is left (npm keeps
  // all of its text). U+0000 is text here, as in npm: this is a local API,
  // and what may go on the wire (no U+0000, docs/protocol.md) is for the
  // sender and the server (demo/server/docs.mjs) to check.

  const OT_NO_POS = 0xffffffff;

  /** Reusable heap buffers for the inputs of the OT calls. */
  class OtHeap {
    constructor(core) {
      this.core = core;
      this.ptr = 0;       // staging area for UTF-8 strings
      this.cap = 0;
      this.view = null;   // HEAPU8.subarray(ptr, ptr + cap), renewed on growth
      this.comps = 0;     // packed components (uint32 pairs)
      this.compCap = 0;   // in pairs
      this.compView = null;
      this.pos = core._malloc(8); // two uint32 cursors
    }

    /** Makes the staging area at least `need` bytes, keeping `keep` bytes. */
    reserve(need, keep = 0) {
      if (need <= this.cap) return this.bytes();
      let cap = Math.max(4096, this.cap);
      while (cap < need) cap *= 2;
      const ptr = this.core._malloc(cap);
      if (!ptr) throw new PyFrameError('out of memory', -2);
      if (keep) this.core.HEAPU8.copyWithin(ptr, this.ptr, this.ptr + keep);
      if (this.ptr) this.core._free(this.ptr);
      this.ptr = ptr;
      this.cap = cap;
      this.view = null;
      return this.bytes();
    }

    bytes() {
      if (!this.view || this.view.buffer !== this.core.HEAPU8.buffer)
        this.view = this.core.HEAPU8.subarray(this.ptr, this.ptr + this.cap);
      return this.view;
    }

    /** Copies strings one after the other into the staging area; returns
     * [ptr0, len0, ptr1, len1, ...]. */
    stage(a, b) {
      const need = a.length * 3 + (b === undefined ? 0 : b.length * 3);
      const view = this.reserve(need);
      const n1 = encoder.encodeInto(a, view).written;
      if (b === undefined) return [this.ptr, n1];
      const n2 = encoder.encodeInto(b, view.subarray(n1)).written;
      return [this.ptr, n1, this.ptr + n1, n2];
    }

    /** A Uint32Array over at least `pairs` component pairs. */
    compPairs(pairs) {
      if (pairs > this.compCap) {
        let cap = Math.max(64, this.compCap);
        while (cap < pairs) cap *= 2;
        const ptr = this.core._malloc(cap * 8);
        if (!ptr) throw new PyFrameError('out of memory', -2);
        if (this.comps) this.core._free(this.comps);
        this.comps = ptr;
        this.compCap = cap;
        this.compView = null;
      }
      if (!this.compView || this.compView.buffer !== this.core.HEAPU8.buffer)
        this.compView = new Uint32Array(this.core.HEAPU8.buffer, this.comps, this.compCap * 2);
      return this.compView;
    }
  }

  function makeOt(rt) {
    const core = rt.core;
    const heap = new OtHeap(core);
    const out = rt.scratch;
    const err = rt.errScratch;

    /** Throws for a negative rc with the message C left in errScratch. */
    function fail(rc, what) {
      if (rc >= 0) return rc;
      const view = new Uint32Array(core.HEAPU8.buffer, err, 3);
      const msg = view[1] ? readCString(core, view[1]) : rt.strerror(rc);
      const pos = view[1] && view[2] !== OT_NO_POS ? view[2] : undefined;
      throw new PyFrameError(`${what}: ${msg}${pos !== undefined ? ` (at byte ${pos} of the op's JSON)` : ''}`, rc, pos);
    }

    function clearErr() {
      new Uint32Array(core.HEAPU8.buffer, err, 3).fill(0);
    }

    function opJSON(op, what) {
      if (!Array.isArray(op)) throw new PyFrameError(`${what}: Op must be an array of components`, PF_ETYPE);
      let json;
      try {
        json = JSON.stringify(op);
      } catch (e) {
        throw new PyFrameError(`${what}: the op is not JSON-serialisable (${e.message})`, PF_ETYPE);
      }
      return json;
    }

    function snapshotText(doc, what) {
      if (typeof doc !== 'string') throw new PyFrameError(`${what}: Invalid document snapshot: ${doc}`, PF_ETYPE);
      if (!doc.isWellFormed()) throw new PyFrameError(`${what}: the snapshot holds a lone surrogate`, -7);
      return doc;
    }

    /** Runs a C call that returns an op through the out-params. */
    function opResult(rc, what) {
      fail(rc, what);
      return JSON.parse(rt.takeScratchString());
    }

    const normalize = (op) => {
      const [p, n] = heap.stage(opJSON(op, 'normalize'));
      return opResult(core._pf_api_ot_normalize(p, n, out, out + 4, err), 'normalize');
    };

    const checkOp = (op) => {
      const [p, n] = heap.stage(opJSON(op, 'checkOp'));
      fail(core._pf_api_ot_check(p, n, err), 'checkOp');
    };

    const pair = (a, b, side, what) => {
      const [pa, na, pb, nb] = heap.stage(opJSON(a, what), opJSON(b, what));
      return opResult(core._pf_api_ot_pair(pa, na, pb, nb, side, out, out + 4, err), what);
    };

    const transformPositions = (cursors, op, what) => {
      const [p, n] = heap.stage(opJSON(op, what));
      const view = new Uint32Array(core.HEAPU8.buffer, heap.pos, 2);
      const todo = [];
      for (let i = 0; i < cursors.length; i++) {
        const c = cursors[i];
        if (typeof c !== 'number' || Number.isNaN(c)) throw new PyFrameError(`${what}: a cursor must be a number`, PF_ETYPE);
        if (c > 0) {
          if (!Number.isInteger(c) || c > 0xfffffffe) throw new PyFrameError(`${what}: cursor ${c} is not a valid position`, -6);
          view[todo.length] = c;
          todo.push(i);
        }
      }
      const result = cursors.slice();
      if (!todo.length) return result;
      clearErr();
      fail(core._pf_api_ot_transform_positions(p, n, heap.pos, todo.length, err), what);
      const after = new Uint32Array(core.HEAPU8.buffer, heap.pos, 2);
      for (let k = 0; k < todo.length; k++) result[todo[k]] = after[k];
      return result;
    };

    const invertible = (what, name, op, doc) => {
      const json = opJSON(op, name);
      const [p, n, pd, nd] = doc === undefined ? heap.stage(json, '') : heap.stage(json, snapshotText(doc, name));
      return opResult(core._pf_api_ot_invertible(what, p, n, pd, nd, out, out + 4, err), name);
    };

    /** Code points in s up to UTF-16 offset `end` (npm unicount's
     * strPosToUni, for the editing api below). */
    const strPosToUni = (s, end = s.length) => {
      let pairs = 0;
      let i = 0;
      for (; i < end; i++) {
        const code = s.charCodeAt(i);
        if (code >= 0xd800 && code <= 0xdfff) { pairs++; i++; }
      }
      if (i !== end) throw new PyFrameError('Invalid offset - splits unicode bytes', -6);
      return i - pairs;
    };

    /** The text editing API of ot-text-unicode (type.api), for ShareDB
     * clients: get, getLength, insert, remove, _onOp -> onInsert/onRemove. */
    function api(getSnapshot, submitOp) {
      return {
        get: getSnapshot,
        getLength() { return getSnapshot().length; },
        insert(pos, text, callback) {
          return submitOp([strPosToUni(getSnapshot(), pos), text], callback);
        },
        remove(pos, lengthOrContent, callback) {
          return submitOp([strPosToUni(getSnapshot(), pos), { d: lengthOrContent }], callback);
        },
        _onOp(op) {
          let post = 0;
          for (const c of op) {
            if (typeof c === 'number') post += c;
            else if (typeof c === 'string') {
              if (this.onInsert) this.onInsert(post, c);
              post += strPosToUni(c);
            } else if (c && typeof c === 'object' && this.onRemove) {
              this.onRemove(post, typeof c.d === 'number' ? c.d : strPosToUni(c.d));
            }
          }
        },
        onInsert: null,
        onRemove: null,
      };
    }
    api.provides = { text: true };

    const type = {
      name: 'text-unicode',
      uri: 'http://sharejs.org/types/text-unicode',
      /** Drops a trailing skip in place and returns op (as npm's trim). */
      trim(op) {
        if (op.length > 0 && typeof op[op.length - 1] === 'number') op.pop();
        return op;
      },
      normalize,
      checkOp,
      create(initial = '') {
        if (typeof initial !== 'string') throw new PyFrameError('create: Initial data must be a string', PF_ETYPE);
        return initial;
      },
      apply(snapshot, op) {
        const json = opJSON(op, 'apply');
        const [pd, nd, po, no] = heap.stage(snapshotText(snapshot, 'apply'), json);
        fail(core._pf_api_ot_apply(pd, nd, po, no, out, out + 4, err), 'apply');
        return rt.takeScratchString();
      },
      transform(op, other, side) {
        if (side !== 'left' && side !== 'right')
          throw new PyFrameError(`transform: side (${side}) must be 'left' or 'right'`, PF_EINVAL);
        return pair(op, other, side === 'left' ? 0 : 1, 'transform');
      },
      compose(a, b) { return pair(a, b, -1, 'compose'); },
      transformPosition(cursor, op) {
        return transformPositions([cursor], op, 'transformPosition')[0];
      },
      transformSelection(selection, op) {
        if (typeof selection === 'number') return transformPositions([selection], op, 'transformSelection')[0];
        if (!selection || typeof selection[0] !== 'number' || typeof selection[1] !== 'number')
          throw new PyFrameError('transformSelection: Invalid selection', PF_ETYPE);
        return transformPositions([selection[0], selection[1]], op, 'transformSelection');
      },
      isInvertible(op) {
        const [p, n] = heap.stage(opJSON(op, 'isInvertible'));
        return fail(core._pf_api_ot_is_invertible(p, n, err), 'isInvertible') === 1;
      },
      makeInvertible(op, doc) { return invertible(2, 'makeInvertible', op, doc); },
      stripInvertible(op) { return invertible(0, 'stripInvertible', op); },
      invert(op) { return invertible(1, 'invert', op); },
      invertWithDoc(op, doc) { return invertible(3, 'invertWithDoc', op, doc); },
      isNoop(op) { return Array.isArray(op) && op.length === 0; },
      api,
    };

    /** Packs an op array into the reused heap buffers (pairs {kind,
     * value} and UTF-8 texts, see pf_api.c) without JSON. Returns the
     * number of text bytes; there are op.length components. */
    function pack(op, what) {
      if (!Array.isArray(op)) throw new PyFrameError(`${what}: Op must be an array of components`, PF_ETYPE);
      const count = op.length;
      let comps = heap.compPairs(count);
      let bytes = heap.bytes();
      let off = 0;
      for (let i = 0; i < count; i++) {
        const c = op[i];
        let kind;
        let v;
        let s = null;
        if (typeof c === 'number') {
          if (!(c >= 0 && c <= 0x7fffffff && Number.isInteger(c)))
            throw new PyFrameError(`${what}: skip ${c} must be an integer >= 0`, -6);
          kind = 0;
          v = c;
        } else if (typeof c === 'string') {
          kind = 1;
          s = c;
        } else if (c !== null && typeof c === 'object' && typeof c.d === 'number') {
          if (!(c.d >= 0 && c.d <= 0x7fffffff && Number.isInteger(c.d)))
            throw new PyFrameError(`${what}: delete ${c.d} must be an integer >= 0`, -6);
          kind = 2;
          v = c.d;
        } else if (c !== null && typeof c === 'object' && typeof c.d === 'string') {
          kind = 3;
          s = c.d;
        } else {
          throw new PyFrameError(`${what}: a component must be a number, a string or {d: number | string}`, PF_ETYPE);
        }
        if (s !== null) {
          const len = s.length;
          if (off + len * 3 > bytes.length) {
            bytes = heap.reserve(off + len * 3, off);
            comps = heap.compPairs(count); // malloc may have grown memory
          }
          let j = 0;
          if (len <= 32) {
            for (; j < len; j++) {
              const ch = s.charCodeAt(j);
              if (ch >= 0x80) break;
              bytes[off + j] = ch;
            }
          }
          if (j === len) {
            v = len;
          } else {
            if (!s.isWellFormed()) throw new PyFrameError(`${what}: a string holds a lone surrogate`, -7);
            v = encoder.encodeInto(s, bytes.subarray(off)).written;
          }
          off += v;
        }
        comps[2 * i] = kind;
        comps[2 * i + 1] = v;
      }
      return off;
    }

    /** The pointer a C call stored in the first out-param. */
    let outView = null;
    const outPtr = () => {
      if (!outView || outView.buffer !== core.HEAPU8.buffer) outView = new Uint32Array(core.HEAPU8.buffer, out, 1);
      return outView[0];
    };

    /** An operation kept in the wasm heap (a pf_ot_op), for code that
     * transforms and composes many times, as an OT client does: only
     * pointers cross per call. Build one with Op.from(array | JSON text);
     * free it with free() (explicitly: a FinalizationRegistry would cost
     * more than a transform). Ops are immutable: transform and compose
     * return new ones. */
    class Op {
      constructor(ptr) {
        this.ptr = ptr;
      }

      static from(op) {
        if (typeof op === 'string') {
          const [p, n] = heap.stage(op);
          fail(core._pf_api_ot_op_parse(p, n, out, err), 'Op.from');
        } else {
          const off = pack(op, 'Op.from');
          fail(core._pf_api_ot_op_new_packed(heap.comps, op.length, heap.ptr, off, out, err), 'Op.from');
        }
        return new Op(outPtr());
      }

      alive(what) {
        if (!this.ptr) throw new PyFrameError(`Op.${what}: this op has been freed`, PF_ESTATE);
        return this.ptr;
      }

      pair(other, side, what) {
        if (!(other instanceof Op)) throw new PyFrameError(`Op.${what}: the other op must be an Op`, PF_ETYPE);
        rt.check(core._pf_api_ot_op_pair(this.alive(what), other.alive(what), side, out), `Op.${what}`);
        return new Op(outPtr());
      }

      /** This op rewritten to apply after `other` (side 'left' | 'right'). */
      transform(other, side) {
        if (side !== 'left' && side !== 'right')
          throw new PyFrameError(`Op.transform: side (${side}) must be 'left' or 'right'`, PF_EINVAL);
        return this.pair(other, side === 'left' ? 0 : 1, 'transform');
      }

      /** A copy (to hand to another owner). */
      clone() {
        const ptr = core._pf_ot_clone(this.alive('clone'));
        if (!ptr) throw new PyFrameError('Op.clone: out of memory', -2);
        return new Op(ptr);
      }

      /** This op followed by `other`, as one op. */
      compose(other) { return this.pair(other, -1, 'compose'); }

      get isNoop() { return core._pf_ot_is_noop(this.alive('isNoop')) !== 0; }

      /** The op as a text-unicode array. */
      toJSON() {
        rt.check(core._pf_api_ot_op_json(this.alive('toJSON'), out, out + 4), 'Op.toJSON');
        return JSON.parse(rt.takeScratchString());
      }

      /** Frees the heap memory. Calling it twice is harmless. */
      free() {
        if (!this.ptr) return;
        core._pf_ot_free(this.ptr);
        this.ptr = 0;
      }
    }

    /** A text document in the wasm heap (runtime/pf_text.c). Free it with
     * free() when done; later calls then throw. */
    class Document {
      constructor(text = '') {
        if (typeof text !== 'string') throw new PyFrameError('Document: the text must be a string', PF_ETYPE);
        if (!text.isWellFormed()) throw new PyFrameError('Document: the text holds a lone surrogate', -7);
        const [p, n] = heap.stage(text);
        rt.check(core._pf_api_ot_doc_new(p, n, out), 'Document');
        this.ptr = new Uint32Array(core.HEAPU8.buffer, out, 1)[0];
      }

      alive(what) {
        if (!this.ptr) throw new PyFrameError(`Document.${what}: this document has been freed`, PF_ESTATE);
        return this.ptr;
      }

      /** Applies a text-unicode operation: an array (packed into the heap
       * without JSON), a JSON text or an Op. On error the text is
       * unchanged. */
      apply(op) {
        const doc = this.alive('apply');
        if (typeof op === 'string') {
          const [p, n] = heap.stage(op);
          fail(core._pf_api_ot_doc_apply(doc, p, n, err), 'Document.apply');
          return this;
        }
        if (op instanceof Op) {
          const rc = core._pf_api_ot_doc_apply_op(doc, op.alive('apply'));
          if (rc < 0) throw new PyFrameError(`Document.apply: ${rc === -6 ? 'the op is too long for this document' : rt.strerror(rc)}`, rc);
          return this;
        }
        const off = pack(op, 'Document.apply');
        fail(core._pf_api_ot_doc_apply_packed(doc, heap.comps, op.length, heap.ptr, off, err), 'Document.apply');
        return this;
      }

      /** The trace patch (Array.splice in code points): deletes `del` at
       * `pos`, then inserts `ins` there. */
      splice(pos, del, ins = '') {
        const doc = this.alive('splice');
        if (!(Number.isInteger(pos) && pos >= 0 && Number.isInteger(del) && del >= 0))
          throw new PyFrameError('Document.splice: pos and del must be integers >= 0', -6);
        // Beyond 2^32 - 1 the wasm's size_t would wrap them: no document is
        // that long, so they are out of range.
        if (pos > 0xffffffff || del > 0xffffffff) throw new PyFrameError('Document.splice: position or count out of range', -6);
        if (typeof ins !== 'string') throw new PyFrameError('Document.splice: the inserted text must be a string', PF_ETYPE);
        let n = 0;
        if (ins.length) {
          if (!ins.isWellFormed()) throw new PyFrameError('Document.splice: the text holds a lone surrogate', -7);
          n = heap.stage(ins)[1];
        }
        rt.check(core._pf_text_splice(doc, pos, del, heap.ptr, n), 'Document.splice');
        return this;
      }

      /** The whole text (decoded from the heap: O(length)). */
      get text() {
        const doc = this.alive('text');
        const ptr = core._pf_text_data(doc, out);
        return readString(core, ptr, new Uint32Array(core.HEAPU8.buffer, out, 1)[0]);
      }

      toString() { return this.text; }

      /** Length in code points. */
      get length() { return core._pf_text_length(this.alive('length')); }

      /** Length of the UTF-8 text in bytes. */
      get byteLength() { return core._pf_text_byte_length(this.alive('byteLength')); }

      /** Frees the heap memory. Calling it twice is harmless. */
      free() {
        if (this.ptr) core._pf_text_free(this.ptr);
        this.ptr = 0;
      }
    }

    return { type, Document, Op };
  }

  /** rt.ot: {type, Document, Op} (created on first use). */
  Object.defineProperty(Runtime.prototype, 'ot', {
    get() {
      if (!this.otApi) this.otApi = makeOt(this);
      return this.otApi;
    },
  });

  // ---- loading ------------------------------------------------------------

  let loading = null;
  const waiting = new Set(); // openTransport's start() of transports whose load failed

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
      // Node's fetch does not read file paths: read the binary ourselves.
      const fs = await import('node:fs');
      const url = await import('node:url');
      const loc = wasmLocation(options);
      moduleArg.wasmBinary = fs.readFileSync(loc.startsWith('file:') ? url.fileURLToPath(loc) : loc);
    } else {
      moduleArg.wasmUrl = wasmLocation(options);
    }
    const core = await createPyFrameCore(moduleArg);
    host.attach(core);
    const rc = core._pf_api_init();
    if (rc < 0) throw new PyFrameError(`registering the built-in components failed (${rc})`, rc);
    return new Runtime(core, host);
  }

  /** Loads and instantiates the runtime once; later calls return the same
   * promise (their options are ignored). */
  function load(options = {}) {
    if (!loading) {
      const p = loading = instantiate(options);
      p.then(() => {
        for (const start of waiting) start(p);
        waiting.clear();
      }, () => { loading = null; }); // a failed load may be retried
    }
    return loading;
  }

  return {
    VERSION,
    PyFrameError,
    redactTokens,
    load,
    /** Creates a State store once the runtime is loaded. */
    async createState(initial) {
      return (await load()).createState(initial);
    },
    /** Mounts component `name` into the element (or element id) with
     * props; resolves to its handle ({unmount(), state, on(event, fn)}). */
    async mount(name, elementOrId, props) {
      return (await load()).mount(name, elementOrId, props);
    },
    /** Mounts every [data-pyframe-component] element under root. */
    async mountAll(root) {
      return (await load()).mountAll(root);
    },
    /** A reconnecting WebSocket (runtime/pf_ws.c), returned at once; it
     * connects when the runtime has loaded (`await sock.ready` to wait).
     * Sockets to the same URL with the same options share one connection
     * unless options.shared is false. */
    socket(url, options) {
      return openTransport(() => load(), () => new Socket(url, options));
    },
    /** A reconnecting Server-Sent Events stream (runtime/pf_sse.c). */
    events(url, options) {
      return openTransport(() => load(), () => new EventStream(url, options));
    },
    /** Internal pieces exposed for the tests of the bindings. */
    _internal: { SseParser, DomApplier },
  };
})();
