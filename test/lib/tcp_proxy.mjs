// A TCP proxy on 127.0.0.1 for tests that break connections on purpose:
// every connection through it is a pair {down (the client's), up (to the
// target), at (when it opened)} in `pairs`. `port` may be a function (a
// server restarted on another port). `passUp` / `passDown`, if given, are
// asked for each chunk in that direction: false swallows it.
import net from 'node:net';

export async function startProxy(port, { passUp = null, passDown = null } = {}) {
  const pairs = new Set();
  const server = net.createServer((down) => {
    const up = net.connect(typeof port === 'function' ? port() : port, '127.0.0.1');
    const pair = { down, up, at: Date.now() };
    pairs.add(pair);
    const end = () => {
      pairs.delete(pair);
      down.destroy();
      up.destroy();
    };
    down.on('error', end).on('close', end);
    up.on('error', end).on('close', end);
    if (passUp) down.on('data', (b) => { if (passUp(b)) up.write(b); });
    else down.pipe(up);
    if (passDown) up.on('data', (b) => { if (passDown(b)) down.write(b); });
    else up.pipe(down);
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return {
    pairs,
    port: server.address().port,
    url: `http://127.0.0.1:${server.address().port}`,
    /** Destroys every connection through the proxy. */
    cutAll() {
      for (const p of pairs) { p.down.destroy(); p.up.destroy(); }
    },
    close() {
      this.cutAll();
      return new Promise((r) => server.close(r));
    },
  };
}
