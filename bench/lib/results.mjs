// The results file every benchmark writes next to its own table, for
// bench/report.mjs, which prints them all as one report.
//
// A results file is build/bench/<bench>.json (the folder is BENCH_JSON_DIR
// when set):
//
//   { "bench": "ot", "date": ISO time, "quick": bool, "node": "v20...",
//     "context": { ...what the run measured with, e.g. "chromium": "131" },
//     "sections": [ { "title": "OT: trace replay", "note": "...",
//                     "rows": [ row, ... ] } ] }
//
// A row is one measure: our figure and the peers' figures from the same run,
// in one unit, and the target of issue #8 where there is one:
//
//   { "measure": "automerge-paper, 259,778 patches", "unit": "ms",
//     "ours": 291, "oursLabel": "Document.apply (JS API)",
//     "peers": [ { "name": "ot.js", "value": 8245 },
//                { "name": "phoenix_live_view", "value": null,
//                  "note": "not installed" } ],
//     "target": { "text": ">= 20x ot.js", "ratio": ["ot.js", "ours"],
//                 "op": ">=", "value": 20 },
//     "note": "..." }
//
// A target compares either our figure ("ratio" absent) or the ratio of two
// figures of the row ("ours" or a peer's name) with "value". A figure that
// could not be measured is null, with a note saying why; the report then
// prints the row and says the target could not be judged.

import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));

/** The folder results files are written to and read from. */
export function resultsDir() {
  return process.env.BENCH_JSON_DIR || join(root, 'build', 'bench');
}

/** Whether the run is the quick one (BENCH_QUICK=1: checks the plumbing,
 * with small counts; its figures are not comparable with a full run). */
export function quick() {
  return !!process.env.BENCH_QUICK && process.env.BENCH_QUICK !== '0';
}

/** Writes build/bench/<bench>.json; returns its path. A number that is not
 * finite (NaN from an empty sample) is written as null. */
export function writeResults(bench, { sections, context = {} }) {
  const dir = resultsDir();
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${bench}.json`);
  const data = { bench, date: new Date().toISOString(), quick: quick(), node: process.version, context, sections };
  const json = JSON.stringify(data, (k, v) => (typeof v === 'number' && !Number.isFinite(v) ? null : v), 2);
  writeFileSync(file, `${json}\n`);
  return file;
}
