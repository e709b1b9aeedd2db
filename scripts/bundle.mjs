// scripts/bundle.mjs BUILD_DIR DIST_DIR
//
// Wraps bindings/pf_loader.js (which instantiates the wasm and defines the
// module factory createPyFrameCore) and bindings/pyframe_rt.js into:
//   DIST_DIR/pyframe_rt.js   a classic script: sets globalThis.PyFrameRT
//   DIST_DIR/pyframe_rt.mjs  an ES module: default export PyFrameRT, for
//                            browsers and for Node 20
// and copies the wasm next to them.
//
// Emscripten's glue (BUILD_DIR/pyframe_rt.js) is not shipped: it is read for
// the import and export names emcc gave the wasm (PF_WASM, see
// bindings/pf_loader.js), and the bundle stops if the wasm imports anything
// the loader does not provide.
import { readFileSync, writeFileSync, copyFileSync, mkdirSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { minify } from 'terser';

const [buildDir, distDir] = process.argv.slice(2);
if (!buildDir || !distDir) {
  console.error('usage: node scripts/bundle.mjs BUILD_DIR DIST_DIR');
  process.exit(2);
}
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const glue = readFileSync(join(buildDir, 'pyframe_rt.js'), 'utf8');
const loader = readFileSync(join(root, 'bindings', 'pf_loader.js'), 'utf8');
const api = readFileSync(join(root, 'bindings', 'pyframe_rt.js'), 'utf8');
const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const banner = `/*! pyframe_rt ${version} | MIT License | wasm: pyframe_rt.wasm */\n`;

// ---- the wasm's import and export names, from the glue of Emscripten 3.1.6

function fail(what) {
  console.error(`bundle.mjs: ${what} not found in ${join(buildDir, 'pyframe_rt.js')}; ` +
    'the Emscripten glue changed shape: update scripts/bundle.mjs and bindings/pf_loader.js');
  process.exit(1);
}
const PF_WASM = { module: '', imports: {}, exports: {}, memory: '', ctors: '' };
PF_WASM.module = (glue.match(/var info=\{"([^"]+)":asmLibraryArg\}/) || fail('the import module name'))[1];
const importTable = (glue.match(/var asmLibraryArg=\{([^}]*)\}/) || fail('asmLibraryArg'))[1];
for (const [, min, fn] of importTable.matchAll(/"([^"]+)":_([A-Za-z0-9_]+)/g)) {
  if (fn !== 'emscripten_memcpy_big' && fn !== 'emscripten_resize_heap' && !fn.startsWith('pf_host_')) {
    console.error(`bundle.mjs: the wasm imports ${fn}, which bindings/pf_loader.js does not provide`);
    process.exit(1);
  }
  // pf_host_random_u32 -> randomU32: the Host method the loader calls.
  PF_WASM.imports[min] = fn.startsWith('pf_host_')
    ? fn.slice(8).replace(/_([a-z0-9])/g, (m, c) => c.toUpperCase()) : fn;
}
for (const [, name, min] of glue.matchAll(/Module\["(_[A-Za-z0-9_]+)"\]=Module\["asm"\]\["([^"]+)"\]\)/g)) {
  if (name === '___wasm_call_ctors') PF_WASM.ctors = min;
  else PF_WASM.exports[name] = min;
}
PF_WASM.memory = (glue.match(/wasmMemory=Module\["asm"\]\["([^"]+)"\]/) || fail('the memory export'))[1];
if (!PF_WASM.ctors) fail('__wasm_call_ctors');
const exported = readFileSync(join(root, 'bindings', 'exports.txt'), 'utf8').split('\n')
  .map((l) => l.replace(/#.*/, '').trim()).filter(Boolean);
for (const name of exported) if (!PF_WASM.exports[`_${name}`]) fail(`the export ${name}`);
// The API calls the wasm exports by the short names emcc gave them:
// core._pf_flush in bindings/pyframe_rt.js becomes core.<export name> here,
// so that neither the C names nor a table of them are shipped (0.9 KB gz).
// The table is written next to the glue (BUILD_DIR/pf_exports.json, C name
// with "_" -> export name) for tests and benchmarks that call an export
// directly.
const exportNames = PF_WASM.exports;
delete PF_WASM.exports;
const apiCode = api.replace(/\bcore\.(_[A-Za-z0-9_]+)/g, (all, name) => {
  if (!exportNames[name]) {
    console.error(`bundle.mjs: bindings/pyframe_rt.js calls core.${name}, which is not in bindings/exports.txt`);
    process.exit(1);
  }
  return `core.${exportNames[name]}`;
});
if (/_pf_[a-z]/.test(apiCode.replace(/\/\*[\s\S]*?\*\/|\/\/.*/g, ''))) {
  console.error('bundle.mjs: bindings/pyframe_rt.js names a C function other than as core._pf_*');
  process.exit(1);
}
writeFileSync(join(buildDir, 'pf_exports.json'), JSON.stringify(exportNames, null, 1) + '\n');
const core = `var PF_WASM = ${JSON.stringify(PF_WASM)};\n${loader}`;

const classic = `${banner}(function (root) {
'use strict';
var PF_SCRIPT_URL = (typeof document !== 'undefined' && document.currentScript && document.currentScript.src) ||
  (typeof __filename !== 'undefined' ? 'file://' + __filename : '');
${core}
${apiCode}
root.PyFrameRT = PyFrameRT;
if (typeof module === 'object' && module && module.exports) module.exports = PyFrameRT;
})(typeof globalThis !== 'undefined' ? globalThis : this);
`;

const esm = `${banner}const PF_SCRIPT_URL = import.meta.url;
${core}
${apiCode}
export default PyFrameRT;
const PyFrameError = PyFrameRT.PyFrameError;
export { PyFrameRT, PyFrameError };
`;

// Minified for size (names of properties are kept: the loader and the API
// use them across files). PF_BUNDLE_DEBUG=1 keeps the readable text.
// Statements are not joined into comma sequences and if/else is not turned
// into ?: : the text is 1% longer but gzips 0.1 KB smaller (its repeated
// statements stay alike).
async function shrink(code, module) {
  if (process.env.PF_BUNDLE_DEBUG) return code;
  const out = await minify(code, {
    module, ecma: 2020, compress: { passes: 2, sequences: false, conditionals: false }, mangle: true,
    format: { comments: /^!/ },
  });
  return out.code + '\n';
}

mkdirSync(distDir, { recursive: true });
writeFileSync(join(distDir, 'pyframe_rt.js'), await shrink(classic, false));
writeFileSync(join(distDir, 'pyframe_rt.mjs'), await shrink(esm, true));
copyFileSync(join(buildDir, 'pyframe_rt.wasm'), join(distDir, 'pyframe_rt.wasm'));
// Declarations for the classic script and (as .d.mts) for the ES module.
copyFileSync(join(root, 'bindings', 'pyframe_rt.d.ts'), join(distDir, 'pyframe_rt.d.ts'));
copyFileSync(join(root, 'bindings', 'pyframe_rt.d.ts'), join(distDir, 'pyframe_rt.d.mts'));
