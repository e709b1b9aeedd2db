// Numbers through the browser host's conversions (pf_host_number_format /
// pf_host_number_parse: String(x) and Number(s)) on the real wasm build:
// every JSON number must come back as exactly the same double.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import PyFrameRT from '../../dist/pyframe_rt.mjs';

test('doubles round-trip exactly through the C state store', async () => {
  const rt = await PyFrameRT.load();
  const s = rt.createState();
  const fixed = [0.1 + 0.2, 1e21, 1.5e-7, 5e-324, 1.7976931348623157e308, -2.5, 2 ** 60, 1e-6,
    1.2345678901234567e-6, 9007199254740993, 123456.789];
  const view = new DataView(new ArrayBuffer(8));
  let seed = 0x12345678n;
  const values = [...fixed];
  while (values.length < 3000) {
    seed = (seed * 6364136223846793005n + 1442695040888963407n) & 0xffffffffffffffffn;
    view.setBigUint64(0, seed);
    const x = view.getFloat64(0);
    if (Number.isFinite(x)) values.push(x);
  }
  s.update('xs', values);
  const back = s.get('xs');
  assert.equal(back.length, values.length);
  for (let i = 0; i < values.length; i++) assert.ok(Object.is(back[i], values[i]), `${values[i]} came back as ${back[i]}`);
  // The C side printed them: the JSON text is String(x) for each.
  assert.equal(JSON.stringify(s.toJSON().xs.slice(0, 3)), '[0.30000000000000004,1e+21,1.5e-7]');
  s.free();
});
