// bench/report.mjs on fixture results files (test/js/fixtures/bench/), so
// that a change to a benchmark's results or to the report cannot break the
// report of make bench without a test failing. No benchmark is run here.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, copyFileSync, readdirSync, readFileSync, rmSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { buildReport, judge, formatValue, BENCHES } from '../../bench/report.mjs';
import { writeResults } from '../../bench/lib/results.mjs';

const fixtures = fileURLToPath(new URL('./fixtures/bench/', import.meta.url));
const report = fileURLToPath(new URL('../../bench/report.mjs', import.meta.url));
const facts = { date: '2026-11-27 00:50 UTC', cpu: 'Test CPU', cores: 2, load: '1.0', os: 'Linux', node: 'v20.20.2', emscripten: '3.1.6', chromium: '156.0.1' };

function copyFixtures() {
  const dir = mkdtempSync(join(tmpdir(), 'pf-bench-report-'));
  for (const f of readdirSync(fixtures)) copyFileSync(join(fixtures, f), join(dir, f));
  return dir;
}

test('every part of the report is there, in order, with the machine header', () => {
  const { text, missing } = buildReport(fixtures, undefined, facts);
  assert.deepEqual(missing, []);
  assert.match(text, /^2026-11-27 00:50 UTC; Test CPU, 2 cores \(load average 1\.0\); Linux; Node v20\.20\.2; Emscripten 3\.1\.6; Chromium 156\.0\.1\.$/m);
  const parts = ['## OT (editing traces)', '## Transports', '## Rendering and DOM', '## End to end', '## Reference server', '## Size', '## Targets'];
  const at = parts.map((p) => text.indexOf(p));
  assert.ok(at.every((i) => i >= 0), `missing part: ${parts[at.indexOf(-1)]}`);
  assert.deepEqual([...at].sort((a, b) => a - b), at);
  for (const b of BENCHES) assert.ok(text.includes(`(\`${b.script}\`)`), b.script);
});

test('rows show our figure, the peers, the target and the verdict; a missed target shows its figure', () => {
  const { text, verdicts } = buildReport(fixtures, undefined, facts);
  const line = (start) => text.split('\n').find((l) => l.startsWith(`| ${start}`));
  const ot = line('automerge-paper');
  assert.match(ot, /wasm, Document\.apply \(JS API\): \*\*291\*\*/);
  assert.match(ot, /ot\.js 8,245; Yjs 3,126; ot-text-unicode not measured \(stopped at the 15 s budget\)/);
  assert.match(ot, />= 20x ot\.js; > 20x Yjs \| met \(28\.3x\); \*\*MISSED\*\* \(10\.7x\) \|$/);
  assert.match(line('8 clients'), /\| met \(5\.75x\) \|$/);
  assert.match(line('host entry'), /\*\*229,016\*\* \| JSON\.parse \+ JS dispatch 601,163 \| >= 100,000 msg\/s \| met \(229,016 msg\/s\) \|$/);
  assert.match(line('update every 10th row'), /\*\*MISSED\*\* \(1\.61x\) \|$/);
  assert.match(line('gzipped'), /\*\*73\.5\*\* \| yjs 61\.3; phoenix_live_view \+ phoenix not measured \(could not measure: not installed\) \| <= 60 KB \| \*\*MISSED\*\* \(73\.5 KB\) \|$/);
  assert.match(line('chat room fan-out (p50 12.0 ms)'), /\| - \| - \| - \|$/);
  // A pipe in a name cannot break the table.
  assert.match(line('LivePostList'), /bare WebSocket \/ textContent 8\.50/);
  assert.deepEqual(verdicts, { met: 3, missed: 3, unjudged: 0 });
  assert.match(text, /^6 targets: 3 met, 3 missed\.$/m);
  assert.match(text, /^- MISSED: DOM: update every 10th row \(1\.61x, target <= 1\.5x vanilla\)$/m);
  assert.match(text, /^- MISSED: Size, gzip -9: gzipped \(73\.5 KB, target <= 60 KB\)$/m);
});

test('a target on a figure that was not measured is not judged, and says so', () => {
  const row = { measure: 'm', unit: 'ms', ours: 10, peers: [{ name: 'p', value: null }], target: { text: 't', ratio: ['p', 'ours'], op: '>=', value: 2 } };
  assert.deepEqual(judge(row).map((j) => j.met), [null]);
  assert.throws(() => judge({ ...row, target: { ...row.target, ratio: ['nobody', 'ours'] } }), /unknown figure/);
  assert.throws(() => judge({ ...row, target: { ...row.target, op: '=~' } }), /unknown target operator/);
  assert.equal(formatValue(null, 'ms'), 'not measured');
  assert.equal(formatValue(1234.5, 'ms'), '1,235');
  assert.equal(formatValue(3.14159, 'µs'), '3.14');
});

test('a missing or broken results file is reported and fails the command', () => {
  const dir = copyFixtures();
  try {
    unlinkSync(join(dir, 'dom.json'));
    const { text, missing } = buildReport(dir, undefined, facts);
    assert.deepEqual(missing, ['dom']);
    assert.match(text, /`bench\/dom\.mjs`: \*\*no results\*\*: no results file/);
    assert.match(text, /; no results from dom\.$/m);
    // The command prints the report all the same, and exits with 1.
    const r = spawnSync(process.execPath, [report, '--dir', dir], { encoding: 'utf8' });
    assert.equal(r.status, 1);
    assert.match(r.stdout, /## Size/);
    assert.match(r.stdout, /^[^\n]*\d+ cores \(load average/m);
    assert.doesNotMatch(r.stdout, /QUICK MODE/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const dir2 = copyFixtures();
  try {
    const bad = join(dir2, 'server.json');
    copyFileSync(join(fixtures, 'server.json'), bad);
    execFileSync('truncate', ['-s', '20', bad]);
    assert.match(buildReport(dir2, undefined, facts).text, /`bench\/server\.mjs`: \*\*no results\*\*: unreadable results file/);
  } finally {
    rmSync(dir2, { recursive: true, force: true });
  }
});

test('writeResults writes what the report reads; NaN becomes null; quick mode is flagged', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pf-bench-results-'));
  const saved = { ...process.env };
  try {
    process.env.BENCH_JSON_DIR = dir;
    process.env.BENCH_QUICK = '1';
    const file = writeResults('transport', { sections: [{ title: 'T', rows: [{ measure: 'm', unit: 'msg/s', ours: NaN, peers: [{ name: 'p', value: 5 }], target: { text: '>= 1', op: '>=', value: 1 } }] }] });
    const data = JSON.parse(readFileSync(file, 'utf8'));
    assert.equal(data.rows, undefined);
    assert.equal(data.sections[0].rows[0].ours, null);
    assert.equal(data.quick, true);
    const { text, missing, verdicts } = buildReport(dir, ['transport'], facts);
    assert.deepEqual(missing, []);
    assert.match(text, /QUICK MODE/);
    assert.match(text, /\| m \| msg\/s \| \*\*not measured\*\* \| p 5 \| >= 1 \| not judged \(figure not measured\) \|/);
    assert.deepEqual(verdicts, { met: 0, missed: 0, unjudged: 1 });
  } finally {
    process.env = saved;
    rmSync(dir, { recursive: true, force: true });
  }
});
