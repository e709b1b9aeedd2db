// scripts/bundle.mjs BUILD_DIR DIST_DIR
//
// Wraps the Emscripten glue (BUILD_DIR/pyframe_rt.js, which defines the
// module factory createPyFrameCore) and bindings/pyframe_rt.js into:
//   DIST_DIR/pyframe_rt.js   a classic script: sets globalThis.PyFrameRT
//   DIST_DIR/pyframe_rt.mjs  an ES module: default export PyFrameRT, for
//                            browsers and for Node 20
// and copies the wasm next to them.
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
const api = readFileSync(join(root, 'bindings', 'pyframe_rt.js'), 'utf8');
const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const banner = `/*! pyframe_rt ${version} | MIT License | wasm: pyframe_rt.wasm */\n`;

const classic = `${banner}(function (root) {
'use strict';
var PF_SCRIPT_URL = (typeof document !== 'undefined' && document.currentScript && document.currentScript.src) ||
  (typeof __filename !== 'undefined' ? 'file://' + __filename : '');
${glue}
${api}
root.PyFrameRT = PyFrameRT;
if (typeof module === 'object' && module && module.exports) module.exports = PyFrameRT;
})(typeof globalThis !== 'undefined' ? globalThis : this);
`;

// In an ES module there is no require/__dirname; the glue needs them only in
// Node, where they are recreated from import.meta.url.
const esm = `${banner}const PF_IS_NODE = typeof process === 'object' && !!(process.versions && process.versions.node) && typeof window === 'undefined';
let require, __filename, __dirname;
if (PF_IS_NODE) {
  const { createRequire } = await import('node:module');
  const { fileURLToPath } = await import('node:url');
  require = createRequire(import.meta.url);
  __filename = fileURLToPath(import.meta.url);
  __dirname = __filename.replace(/[\\\\/][^\\\\/]*$/, '');
}
const PF_SCRIPT_URL = import.meta.url;
${glue}
${api}
export default PyFrameRT;
export { PyFrameRT };
`;

// Minified for size (names of properties are kept: the glue and the API use
// them across files). PF_BUNDLE_DEBUG=1 keeps the readable text.
async function shrink(code, module) {
  if (process.env.PF_BUNDLE_DEBUG) return code;
  const out = await minify(code, {
    module, ecma: 2020, compress: { passes: 2 }, mangle: true,
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
