// The TypeScript declarations (dist/pyframe_rt.d.ts) type-check a program
// that uses the API the way the README does, and reject a wrong one.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { writeFileSync, rmSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
const dir = join(root, 'test', 'types');

function check(project) {
  try {
    execFileSync(process.execPath, [tsc, '-p', project], { cwd: dir, encoding: 'utf8' });
    return '';
  } catch (e) {
    return e.stdout || String(e);
  }
}

test('the declarations accept the documented usage', () => {
  assert.equal(check(join(dir, 'tsconfig.json')), '');
});

test('the declarations reject a misuse', () => {
  const bad = join(dir, 'bad.ts');
  const cfg = join(dir, 'tsconfig.bad.json');
  writeFileSync(bad, "import PyFrameRT from '../../dist/pyframe_rt.mjs';\nconst s: string = PyFrameRT.VERSION;\nPyFrameRT.socket(42);\nexport { s };\n");
  writeFileSync(cfg, JSON.stringify({ extends: './tsconfig.json', files: ['bad.ts'] }));
  try {
    assert.match(check(cfg), /TS2345/);
  } finally {
    rmSync(bad, { force: true });
    rmSync(cfg, { force: true });
  }
});

test('every named export the declarations give exists at runtime (PyFrameError, PyFrameRT, default)', async () => {
  const mod = await import('../../dist/pyframe_rt.mjs');
  assert.deepEqual(Object.keys(mod).sort(), ['PyFrameError', 'PyFrameRT', 'default']);
  assert.equal(mod.PyFrameError, mod.default.PyFrameError);
  assert.equal(mod.PyFrameRT, mod.default);
  const dts = (await import('node:fs')).readFileSync(join(root, 'dist', 'pyframe_rt.d.ts'), 'utf8');
  // Values (not types) the declarations export: each must be a runtime export.
  const values = [...dts.matchAll(/^export declare (?:class|const|function) (\w+)/gm)].map((m) => m[1]);
  for (const v of values) assert.ok(v in mod, `${v} is declared but not exported`);
});
