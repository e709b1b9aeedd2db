#!/usr/bin/env node
// Entry point of the reference server.
//
//   node demo/server/main.mjs [--port N] [--host H] [--db PATH]
//                             [--chat-rate N] [--chat-window SECONDS]
//                             [--public DIR] [--dist DIR]
//                             [--doc-snapshot-chars N] [--doc-snapshot-ops N]
//                             [--catchup-limit N]
//
// PORT and PYFRAME_SECRET are read from the environment. Prints one line
// "listening on http://HOST:PORT" once ready; SIGTERM/SIGINT shut down
// gracefully (1012 to every socket, SSE streams ended, database closed).

import { fileURLToPath } from 'node:url';
import { resolve } from 'node:path';
import { startServer, DEFAULTS } from './server.mjs';
import { redactTokens } from './util.mjs';

export { startServer, DEFAULTS };

const USAGE = `usage: node demo/server/main.mjs [--port N] [--host H] [--db PATH]
       [--chat-rate N] [--chat-window SECONDS] [--public DIR] [--dist DIR]
       [--doc-snapshot-chars N] [--doc-snapshot-ops N] [--catchup-limit N]`;

export function parseArgs(argv, env = process.env) {
  const opts = {};
  if (env.PORT !== undefined && env.PORT !== '') opts.port = Number(env.PORT);
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const [flag, inline] = arg.includes('=') ? arg.split(/=(.*)/s, 2) : [arg, undefined];
    const value = () => {
      const v = inline ?? argv[++i];
      if (v === undefined) throw new Error(`${flag} needs a value`);
      return v;
    };
    const number = (min) => {
      const v = value();
      const n = Number(v);
      if (!/^\d+(\.\d+)?$/.test(v) || n < min) throw new Error(`${flag}: not a valid number: ${v}`);
      return n;
    };
    const integer = (min) => {
      const n = number(min);
      if (!Number.isInteger(n)) throw new Error(`${flag}: not a whole number: ${n}`);
      return n;
    };
    switch (flag) {
      case '--port': opts.port = number(0); break;
      case '--host': opts.host = value(); if (!opts.host) throw new Error('--host: empty (use 0.0.0.0 to listen on every interface)'); break;
      case '--db': opts.dbPath = resolve(value()); break;
      case '--chat-rate': opts.chatRate = number(1); break;
      case '--chat-window': opts.chatWindowMs = number(0.001) * 1000; break;
      case '--public': opts.publicDir = resolve(value()); break;
      case '--dist': opts.distDir = resolve(value()); break;
      case '--doc-snapshot-chars': opts.docSnapshotChars = integer(0); break;
      case '--doc-snapshot-ops': opts.docSnapshotOps = integer(1); break;
      // The transform window, and so how many operations a document keeps.
      case '--catchup-limit': opts.catchupLimit = integer(0); break;
      case '-h': case '--help': opts.help = true; break;
      default: throw new Error(`unknown option ${arg}`);
    }
  }
  if (opts.port !== undefined && (!Number.isInteger(opts.port) || opts.port > 65535)) throw new Error(`invalid port ${opts.port}`);
  return opts;
}

async function main() {
  let opts;
  try {
    opts = parseArgs(process.argv.slice(2));
  } catch (e) {
    console.error(`${e.message}\n${USAGE}`);
    process.exit(2);
  }
  if (opts.help) {
    console.log(USAGE);
    return;
  }
  delete opts.help;
  const server = await startServer(opts);
  console.log(`listening on ${server.url}`);
  let stopping = false;
  const stop = (signal) => {
    if (stopping) return;
    stopping = true;
    console.log(`${signal}: shutting down`);
    const force = setTimeout(() => process.exit(1), 5000);
    force.unref();
    server.close().then(
      () => process.exit(0),
      (e) => {
        console.error(redactTokens(e.stack ?? e));
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((e) => {
    console.error(redactTokens(e.stack ?? e));
    process.exit(1);
  });
}
