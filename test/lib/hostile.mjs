// The hostile string corpus shared by the browser tests (test/e2e/) and the
// JS tests. Every payload that could run sets window.__pwned (or the parent
// window's, from a frame) or opens a dialog; a test installs a trap before
// the page loads and checks both afterwards. (The native component suites
// have their own short C list, kHostile in test/native/live_component_util.h.)

export const HOSTILE = [
  // Script and markup
  '<script>window.__pwned=1</script>',
  '<img src=x onerror="window.__pwned=1">',
  '"><img src=x onerror=window.__pwned=1>',
  "'><svg onload=window.__pwned=1>",
  '<svg><script>window.__pwned=1</script></svg>',
  '<iframe srcdoc="<script>parent.__pwned=1</script>"></iframe>',
  '<object data="javascript:window.__pwned=1"></object>',
  '<math><mtext><table><mglyph><style><img src=x onerror=window.__pwned=1>',
  '</textarea><script>window.__pwned=1</script>',
  '</article></div></li><p id=injected>injected</p>',
  '<details open ontoggle=alert(1)>',
  '<a href="javascript:window.__pwned=1">click me</a>',
  // URLs
  'javascript:window.__pwned=1',
  ' JaVaScRiPt&colon;window.__pwned=1',
  'data:text/html,<script>parent.__pwned=1</script>',
  // Broken markup and entities
  '<!-- unterminated comment',
  '<b>unclosed <i>markup',
  '&lt;b&gt; &amp; &#60;script&#62; &quot; &#x27; &',
  // Template and prototype tricks
  '{{constructor.constructor("window.__pwned=1")()}}',
  '${window.__pwned=1}',
  '__proto__',
  // Unicode controls: bidi overrides, isolates, zero-width, astral
  'rtl\u202Eevil\u202C after',
  '\u202Etxt.exe',
  '\u2066isolate\u2069 \u2067x\u2068y',
  'zero\u200Bwidth\u200D\uFEFFbom',
  'emoji \u{1F469}\u200D\u{1F469}\u200D\u{1F467} and \u{1D54F} astral',
  'line\nbreak\ttab',
  '  leading and trailing  ',
];

/** Bidi controls that can reorder text around them. */
export const BIDI_RE = /[\u202A-\u202E\u2066-\u2069]/;

/** URLs for image-like fields (avatars, icons): the unsafe ones must never
 *  reach a src; the safe ones may, escaped. */
export const HOSTILE_URLS = [
  'javascript:window.__pwned=1',
  'JAVA\tSCRIPT:window.__pwned=1',
  'data:text/html,<script>parent.__pwned=1</script>',
  'data:image/svg+xml,<svg xmlns="http://www.w3.org/2000/svg" onload="parent.__pwned=1"><script>parent.__pwned=1</script></svg>',
  'x" onerror="window.__pwned=1',
  "x' onerror='window.__pwned=1",
  'vbscript:msgbox(1)',
];
