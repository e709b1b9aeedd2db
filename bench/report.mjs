#!/usr/bin/env node
// The benchmark report: reads the results files the benchmarks wrote
// (build/bench/<bench>.json, see bench/lib/results.mjs) and prints them as
// one set of Markdown tables, OT, transports, rendering, end to end, server,
// size, each row with our figure, the peers' figures from the same run, the
// target of issue #8 where there is one and whether it was met.
//
//   node bench/report.mjs [--dir build/bench] [--expect ot,transport,...]
//
// A missed target is printed with the figure measured, never left out. The
// exit status is 1 only when an expected results file is missing or cannot
// be read (a benchmark crashed or was not run); timings never fail anything.

import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import os from 'node:os';
import { resultsDir } from './lib/results.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));

/** The benchmarks in the order of the report, with the part they belong to. */
export const BENCHES = [
  { bench: 'ot', part: 'OT (editing traces)', script: 'bench/ot.mjs' },
  { bench: 'transport', part: 'Transports', script: 'bench/transport.mjs' },
  { bench: 'dom', part: 'Rendering and DOM', script: 'bench/dom.mjs' },
  { bench: 'editor', part: 'Rendering and DOM', script: 'bench/editor.mjs' },
  { bench: 'e2e', part: 'End to end', script: 'bench/e2e.mjs' },
  { bench: 'server', part: 'Reference server', script: 'bench/server.mjs' },
  { bench: 'size', part: 'Size', script: 'scripts/sizes.mjs --json' },
];

// ---- numbers -----------------------------------------------------------------

const int = (x) => Math.round(x).toLocaleString('en-US');

/** A figure in its unit, to about three significant digits. */
export function formatValue(v, unit) {
  if (v === null || v === undefined || !Number.isFinite(v)) return 'not measured';
  if (/\/s$/.test(unit)) return int(v);
  if (unit === 'KB') return v.toFixed(1);
  if (unit === 'x') return v.toFixed(1);
  const a = Math.abs(v);
  if (a >= 100) return int(v);
  if (a >= 10) return v.toFixed(1);
  return v.toFixed(2);
}

const OPS = {
  '>=': (a, b) => a >= b,
  '>': (a, b) => a > b,
  '<=': (a, b) => a <= b,
  '<': (a, b) => a < b,
};

/** The value of a row's figure by name: "ours" or a peer's name. */
function figure(row, name) {
  if (name === 'ours') return row.ours;
  const p = (row.peers || []).find((x) => x.name === name);
  return p ? p.value : undefined;
}

/** Judges one target of a row: { met: true|false|null, figure: text }.
 * met is null when a figure is missing. */
export function judgeTarget(row, t) {
  const cmp = OPS[t.op];
  if (!cmp) throw new Error(`${row.measure}: unknown target operator ${t.op}`);
  let x;
  let shown;
  if (t.ratio) {
    const [a, b] = t.ratio.map((n) => figure(row, n));
    if (a === undefined || b === undefined) throw new Error(`${row.measure}: target names an unknown figure (${t.ratio})`);
    x = a === null || b === null || !b ? null : a / b;
    shown = x === null ? null : `${x.toFixed(x < 10 ? 2 : 1)}x`;
  } else {
    x = row.ours;
    shown = x === null || x === undefined ? null : `${formatValue(x, row.unit)} ${row.unit}`;
  }
  if (x === null || x === undefined || !Number.isFinite(x)) return { met: null, figure: 'not measured' };
  return { met: cmp(x, t.value), figure: shown };
}

/** The targets of a row (none, one, or an array), each judged. */
export function judge(row) {
  return [].concat(row.target || []).map((t) => ({ target: t, ...judgeTarget(row, t) }));
}

// ---- the machine -----------------------------------------------------------------

function cpuModel() {
  try {
    const info = readFileSync('/proc/cpuinfo', 'utf8');
    const m = /^model name\s*:\s*(.+)$/m.exec(info) || /^Hardware\s*:\s*(.+)$/m.exec(info);
    if (m) return m[1].trim().replace(/\s+/g, ' ');
  } catch { /* not Linux */ }
  return os.cpus()[0]?.model?.trim() || 'unknown CPU';
}

function emscriptenVersion() {
  try {
    const out = execFileSync('bash', ['-c', '. ./emsdk.env >/dev/null 2>&1; emcc --version'], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 60000 });
    const m = /(\d+\.\d+\.\d+)/.exec(out.split('\n')[0]);
    return m ? m[1] : out.split('\n')[0].trim();
  } catch {
    return 'not found';
  }
}

/** The header facts: date, machine, versions. */
export function machine(results) {
  const chromium = results.map((r) => r.context?.chromium).find(Boolean);
  return {
    date: new Date().toISOString().replace(/:\d\d\.\d+Z$/, ' UTC').replace('T', ' '),
    cpu: cpuModel(),
    cores: os.cpus().length,
    load: os.loadavg()[0].toFixed(1),
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    emscripten: emscriptenVersion(),
    chromium: chromium || null,
  };
}

// ---- the report ------------------------------------------------------------------

function table(rows) {
  const out = ['| measure | unit | pyframe_rt | peers, same run | target (issue #8) | verdict |', '| --- | --- | ---: | --- | --- | --- |'];
  for (const r of rows) {
    const ours = `${r.oursLabel ? `${r.oursLabel}: ` : ''}**${formatValue(r.ours, r.unit)}**`;
    const peers = (r.peers || []).length
      ? r.peers.map((p) => `${p.name} ${formatValue(p.value, r.unit)}${p.note ? ` (${p.note})` : ''}`).join('; ')
      : '-';
    const js = judge(r);
    const verdict = !js.length ? '-' : js.map((j) => (j.met === null ? 'not judged (figure not measured)' : `${j.met ? 'met' : '**MISSED**'} (${j.figure})`)).join('; ');
    const measure = r.note ? `${r.measure} (${r.note})` : r.measure;
    out.push(`| ${[measure, r.unit, ours, peers, js.length ? js.map((j) => j.target.text).join('; ') : '-', verdict].map((c) => String(c).replace(/\|/g, '/')).join(' | ')} |`);
  }
  return out.join('\n');
}

/** Builds the report text from the results files in `dir`; returns
 * { text, missing: [bench names], verdicts: {met, missed, unjudged} }. */
export function buildReport(dir, expect = BENCHES.map((b) => b.bench), facts = null) {
  const results = [];
  const missing = [];
  for (const { bench } of BENCHES.filter((b) => expect.includes(b.bench))) {
    const file = join(dir, `${bench}.json`);
    if (!existsSync(file)) {
      missing.push({ bench, why: 'no results file (the benchmark failed or was not run)' });
      continue;
    }
    try {
      const data = JSON.parse(readFileSync(file, 'utf8'));
      if (!Array.isArray(data.sections)) throw new Error('no sections');
      results.push(data);
    } catch (e) {
      missing.push({ bench, why: `unreadable results file: ${e.message}` });
    }
  }
  const m = facts || machine(results);
  const lines = [];
  const quick = results.some((r) => r.quick);
  lines.push(`# pyframe_rt benchmarks${quick ? ' (QUICK MODE: small counts to check the plumbing; figures not comparable)' : ''}`);
  lines.push('');
  lines.push(`${m.date}; ${m.cpu}, ${m.cores} cores (load average ${m.load}); ${m.os}; Node ${m.node}; Emscripten ${m.emscripten}` +
    `${m.chromium ? `; Chromium ${m.chromium}` : ''}.`);
  const dates = results.map((r) => r.date).sort();
  if (dates.length) lines.push(`Results written from ${dates[0].slice(11, 19)} to ${dates[dates.length - 1].slice(11, 19)} UTC on ${dates[0].slice(0, 10)}; every peer is measured in the same run as pyframe_rt.`);
  const tally = { met: 0, missed: [], unjudged: 0 };
  let part = null;
  for (const b of BENCHES) {
    if (!expect.includes(b.bench)) continue;
    if (b.part !== part) {
      part = b.part;
      lines.push('', `## ${part}`);
    }
    const r = results.find((x) => x.bench === b.bench);
    if (!r) {
      lines.push('', `\`${b.script}\`: **no results**: ${missing.find((x) => x.bench === b.bench).why}.`);
      continue;
    }
    for (const s of r.sections) {
      lines.push('', `**${s.title}** (\`${b.script}\`)${s.note ? `: ${s.note}` : ''}`, '', table(s.rows || []));
      for (const row of s.rows || []) {
        for (const j of judge(row)) {
          if (j.met === null) tally.unjudged++;
          else if (j.met) tally.met++;
          else tally.missed.push(`${s.title}: ${row.measure} (${j.figure}, target ${j.target.text})`);
        }
      }
    }
  }
  lines.push('', '## Targets');
  lines.push('', `${tally.met + tally.missed.length + tally.unjudged} targets: ${tally.met} met, ${tally.missed.length} missed` +
    `${tally.unjudged ? `, ${tally.unjudged} not judged (a figure was not measured)` : ''}${missing.length ? `; no results from ${missing.map((x) => x.bench).join(', ')}` : ''}.`);
  for (const x of tally.missed) lines.push(`- MISSED: ${x}`);
  return { text: lines.join('\n'), missing: missing.map((x) => x.bench), verdicts: { met: tally.met, missed: tally.missed.length, unjudged: tally.unjudged } };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const o = { dir: resultsDir(), expect: BENCHES.map((b) => b.bench).join(',') };
  for (let a = process.argv.slice(2), i = 0; i < a.length; i++) {
    const k = a[i].replace(/^--/, '');
    if (!(k in o)) throw new Error(`unknown option ${a[i]}`);
    o[k] = a[++i];
  }
  const r = buildReport(o.dir, o.expect.split(',').filter(Boolean));
  console.log(r.text);
  if (r.missing.length) process.exit(1);
}
