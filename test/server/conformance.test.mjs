// The conformance checker against the reference server: run exactly as a
// user would (`node test/conformance <base-url>`), and once against a server
// that breaks the tie-break rule, to show that the checker notices.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { startTestServer, otType } from './helpers.mjs';

const CHECKER_DIR = fileURLToPath(new URL('../conformance', import.meta.url));

function runChecker(base, extra = []) {
  return new Promise((resolve) => {
    execFile(process.execPath, [CHECKER_DIR, base, ...extra], { timeout: 30_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? err.code : 0, stdout, stderr });
    });
  });
}

test('node test/conformance <base-url> passes every check against the reference server', async () => {
  const srv = await startTestServer();
  try {
    const r = await runChecker(srv.base);
    const last = r.stdout.trim().split('\n').at(-1);
    assert.match(last, /^\d+ passed, 0 failed$/, r.stdout + r.stderr);
    assert.equal(r.code, 0);
    assert.ok(Number(last.split(' ')[0]) >= 50, last);
    assert.doesNotMatch(r.stdout, /^FAIL/m);
  } finally {
    await srv.close();
  }
});

test('the checker fails, and exits non-zero, against a server with the wrong tie-break', async () => {
  const flipped = { ...otType, transform: (op, other, side) => otType.transform(op, other, side === 'left' ? 'right' : 'left') };
  const srv = await startTestServer({ otType: flipped });
  try {
    const r = await runChecker(srv.base, ['--timeout', '1000']);
    assert.match(r.stdout, /^FAIL {2}docs: concurrent inserts at one position/m, r.stdout);
    assert.match(r.stdout.trim().split('\n').at(-1), /^\d+ passed, [1-9]\d* failed$/);
    assert.equal(r.code, 1);
  } finally {
    await srv.close();
  }
});
