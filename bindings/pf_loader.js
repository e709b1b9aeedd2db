/*
 * pf_loader.js: instantiates pyframe_rt.wasm without Emscripten's JS glue.
 *
 * The glue that emcc writes (build/wasm/pyframe_rt.js) handles many
 * environments and options this runtime never uses; what pyframe_rt.wasm
 * needs from JS is small: the pf_host_* imports (forwarded to the host
 * object, as bindings/library_pyframe.js does in the glue), memcpy and heap
 * growth, and a call to the static constructors. scripts/bundle.mjs reads the
 * import and export names emcc chose from the glue, checks that this file
 * provides every import, and defines PF_WASM before this file:
 *   PF_WASM.module    the import module name
 *   PF_WASM.imports   minified import name -> the host method a pf_host_*
 *                     import calls (pf_host_random_u32 -> randomU32), or
 *                     emscripten_memcpy_big / emscripten_resize_heap
 *   PF_WASM.memory, PF_WASM.ctors   export names of the memory and of
 *                                   __wasm_call_ctors
 *
 * createPyFrameCore({pfHost, wasmBinary | wasmUrl}) resolves to the object
 * bindings/pyframe_rt.js calls: the wasm exports under the names emcc gave
 * them (the bundle rewrites core._pf_flush in that file to core.<export
 * name>; BUILD_DIR/pf_exports.json maps one to the other) and core.HEAPU8,
 * renewed when the heap grows.
 */
/* global PF_WASM */

async function createPyFrameCore(options) {
  const host = options.pfHost;
  const core = {};
  let memory;
  const MAX_HEAP = 2147483648;

  // emscripten_resize_heap: grows by 20% at least (capped at 96 MB more than
  // asked), as the glue did, so that a growing heap is not copied on every
  // malloc; falls back to the exact size. Returns 1 on success, 0 on failure.
  function resizeHeap(size) {
    size >>>= 0;
    const old = core.HEAPU8.length;
    if (size > MAX_HEAP) return 0;
    for (const want of [Math.min(Math.max(size, old * 1.2), size + 100663296, MAX_HEAP), size]) {
      try {
        memory.grow(Math.ceil((want - old) / 65536));
        core.HEAPU8 = new Uint8Array(memory.buffer);
        return 1;
      } catch (e) { /* try the smaller size */ }
    }
    return 0;
  }

  const env = {};
  for (const [min, name] of Object.entries(PF_WASM.imports)) {
    if (name === 'emscripten_memcpy_big') {
      env[min] = (dest, src, n) => core.HEAPU8.copyWithin(dest, src, src + n);
    } else if (name === 'emscripten_resize_heap') {
      env[min] = resizeHeap;
    } else {
      // A pf_host_* import, which bundle.mjs names by the host method
      // (pf_host_random_u32 -> randomU32), looked up at each call as the
      // glue did: tests replace host methods on the fly (host.online = () => 0).
      env[min] = (...args) => host[name](...args);
    }
  }
  const imports = { [PF_WASM.module]: env };

  let result;
  if (options.wasmBinary) {
    result = await WebAssembly.instantiate(options.wasmBinary, imports);
  } else {
    const url = options.wasmUrl;
    const get = async () => {
      const response = await fetch(url, { credentials: 'same-origin' });
      if (!response.ok) throw new Error(`failed to load ${url}: HTTP ${response.status}`);
      return response;
    };
    const response = await get();
    try {
      result = await WebAssembly.instantiateStreaming(response, imports);
    } catch (e) {
      // A server that does not send application/wasm: compile from bytes.
      result = await WebAssembly.instantiate(await (await get()).arrayBuffer(), imports);
    }
  }

  const exports = result.instance.exports;
  memory = exports[PF_WASM.memory];
  core.HEAPU8 = new Uint8Array(memory.buffer);
  Object.assign(core, exports);
  exports[PF_WASM.ctors]();
  return core;
}
