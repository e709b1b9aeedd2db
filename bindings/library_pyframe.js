/*
 * library_pyframe.js: the host side of runtime/pf_host.h, as an Emscripten
 * --js-library.
 *
 * Each import forwards to Module.pfHost, the host object that
 * bindings/pyframe_rt.js passes to the module factory. Pointers and lengths
 * are forwarded as they are: pyframe_rt.js is the one file that reads the
 * heap, so this file stays a list of one-line forwards.
 */
mergeInto(LibraryManager.library, {
  pf_host_now: function () { return Module['pfHost'].now(); },
  pf_host_wall_time: function () { return Module['pfHost'].wallTime(); },
  pf_host_random_u32: function () { return Module['pfHost'].randomU32(); },
  pf_host_log: function (level, ptr, len) { Module['pfHost'].log(level, ptr, len); },
  pf_host_timer_start: function (id, delay) { Module['pfHost'].timerStart(id, delay); },
  pf_host_timer_cancel: function (id) { Module['pfHost'].timerCancel(id); },
  pf_host_request_flush: function () { Module['pfHost'].requestFlush(); },
  pf_host_request_frame: function () { Module['pfHost'].requestFrame(); },
  pf_host_ws_open: function (url, len) { return Module['pfHost'].wsOpen(url, len); },
  pf_host_ws_send: function (h, ptr, len) { return Module['pfHost'].wsSend(h, ptr, len); },
  pf_host_ws_close: function (h, code, ptr, len) { Module['pfHost'].wsClose(h, code, ptr, len); },
  pf_host_sse_open: function (url, len) { return Module['pfHost'].sseOpen(url, len); },
  pf_host_sse_close: function (h) { Module['pfHost'].sseClose(h); },
  pf_host_http_request: function (m, ml, u, ul, b, bl) { return Module['pfHost'].httpRequest(m, ml, u, ul, b, bl); },
  pf_host_http_abort: function (h) { Module['pfHost'].httpAbort(h); },
  pf_host_dom_patch: function (root, ptr, len) { return Module['pfHost'].domPatch(root, ptr, len); },
  pf_host_emit: function (t, e, el, j, jl) { Module['pfHost'].emit(t, e, el, j, jl); },
  pf_host_call: function (t, n, nl, a, al) { return Module['pfHost'].call(t, n, nl, a, al); },
  pf_host_online: function () { return Module['pfHost'].online(); },
  pf_host_visible: function () { return Module['pfHost'].visible(); },
  pf_host_number_format: function (x, ptr, cap) { return Module['pfHost'].numberFormat(x, ptr, cap); },
  pf_host_number_parse: function (ptr, len) { return Module['pfHost'].numberParse(ptr, len); },
});
