// Chromium tests of the DOM patch applier, event delegation and the mount
// API (issue 5), driven through the KeyedList component
// (examples/keyed_list.c, in build/example-dist) on test/e2e/pages/dom.html.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { serveStatic } from '../lib/static_server.mjs';
import { launch, screenshot, watchErrors } from '../lib/browser.mjs';
import { HOSTILE as SHARED_HOSTILE } from '../lib/hostile.mjs';

let server;
let browser;

before(async () => {
  server = await serveStatic();
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await server?.close();
});

/** Opens the test page with the runtime loaded; records page errors and
 * any dialog (a hostile string that ran would open one). */
async function openPage() {
  const page = await browser.newPage();
  const errors = watchErrors(page);
  const dialogs = [];
  page.on('dialog', (d) => { dialogs.push(d.message()); d.dismiss().catch(() => {}); });
  await page.goto(`${server.url}/test/e2e/pages/dom.html`);
  await page.evaluate(() => window.T.ready);
  return { page, errors, dialogs };
}

const rows = (n, from = 1, prefix = 'item') =>
  Array.from({ length: n }, (_, i) => ({ id: from + i, label: `${prefix} ${from + i}` }));

// ---- patches equal a fresh render ---------------------------------------------

test('patches applied to the real DOM equal a fresh render, after every operation', async () => {
  const { page, errors } = await openPage();
  const result = await page.evaluate(async (initial) => {
    const { rt, canon } = window.T;
    const h = rt.mount('KeyedList', 'list', { items: initial });
    // A deterministic pseudo-random sequence of every operation.
    let seed = 12345;
    const rnd = (n) => { seed = (seed * 1103515245 + 12345) % 2147483648; return seed % n; };
    let nextId = 1000;
    const mismatches = [];
    const ops = [];
    for (let step = 0; step < 120; step++) {
      const items = h.state.get('items');
      const kind = rnd(9);
      let msg;
      if (kind === 0) msg = { type: 'update', id: items.length ? items[rnd(items.length)].id : 1, label: `u${step} <b>&amp;</b>` };
      else if (kind === 1 && items.length > 1) msg = { type: 'swap', a: rnd(items.length), b: rnd(items.length) };
      else if (kind === 2 && items.length) msg = { type: 'remove', id: items[rnd(items.length)].id };
      else if (kind === 3) msg = { type: 'append', items: Array.from({ length: 1 + rnd(5) }, () => ({ id: nextId++, label: `n${nextId}` })) };
      else if (kind === 4 && items.length) msg = { type: 'select', id: items[rnd(items.length)].id };
      else if (kind === 5) msg = { type: 'update_every', step: 1 + rnd(4), suffix: '!' };
      else if (kind === 6 && rnd(4) === 0) msg = { type: 'clear' };
      else if (kind === 7) {
        // Shuffle: a reorder of everything, plus some new and some dropped rows.
        const shuffled = items.filter(() => rnd(5) !== 0).sort(() => rnd(3) - 1);
        shuffled.splice(rnd(shuffled.length + 1), 0, { id: nextId++, label: 'ins' });
        msg = { type: 'set', items: shuffled };
      } else msg = { type: 'select', id: null };
      ops.push(msg.type);
      h.deliver(msg);
      if (step % 3 === 0) h.flush(); else await window.T.frame();
      // A fresh render of the same state, on another element.
      const fresh = rt.mount('KeyedList', 'fresh', { items: h.state.get('items') });
      const sel = h.state.get('selected');
      if (sel !== null) { fresh.deliver({ type: 'select', id: sel }); fresh.flush(); }
      const a = canon(document.getElementById('list'));
      const b = canon(document.getElementById('fresh'));
      fresh.unmount();
      if (a !== b) mismatches.push({ step, op: msg.type, a: a.slice(0, 300), b: b.slice(0, 300) });
    }
    const rowCount = document.querySelectorAll('#list tr').length;
    const stateCount = h.state.get('items').length;
    h.unmount();
    return { mismatches, ops: [...new Set(ops)].sort(), rowCount, stateCount };
  }, rows(30));
  assert.deepEqual(result.mismatches, []);
  assert.equal(result.rowCount, result.stateCount);
  assert.deepEqual(result.ops, ['append', 'clear', 'remove', 'select', 'set', 'swap', 'update', 'update_every']);
  assert.deepEqual(errors, []);
  await page.close();
});

// ---- minimal mutations -------------------------------------------------------------

test('a MutationObserver sees only the expected mutations', async () => {
  const { page, errors } = await openPage();
  const counts = await page.evaluate(async (initial) => {
    const { rt } = window.T;
    const el = document.getElementById('list');
    const h = rt.mount('KeyedList', el, { items: initial });
    const observe = async (msg) => {
      const records = [];
      const mo = new MutationObserver((rs) => records.push(...rs));
      mo.observe(el, { subtree: true, childList: true, attributes: true, characterData: true });
      h.deliver(msg);
      await window.T.frame(); // the page's real path: batched render at the frame
      records.push(...mo.takeRecords());
      mo.disconnect();
      return records.map((r) => {
        const target = r.target.nodeType === 3 ? '#text' : r.target.localName;
        if (r.type === 'childList') return `childList ${target} +${r.addedNodes.length} -${r.removedNodes.length}`;
        if (r.type === 'attributes') return `attributes ${target} ${r.attributeName}`;
        return `characterData ${target}`;
      });
    };
    const out = {};
    out.update = await observe({ type: 'update', id: 500, label: 'changed' });
    out.updateText = document.querySelector('#list tr[data-id="500"] a').textContent;
    out.select = await observe({ type: 'select', id: 7 });
    out.reselect = await observe({ type: 'select', id: 8 });
    out.swap = await observe({ type: 'swap', a: 1, b: 998 });
    out.swapOrder = [...el.querySelectorAll('tr')].slice(0, 3).map((tr) => tr.dataset.id).concat(
      [...el.querySelectorAll('tr')].slice(997, 999).map((tr) => tr.dataset.id));
    out.remove = await observe({ type: 'remove', id: 3 });
    out.append = await observe({ type: 'append', items: [{ id: 5000, label: 'new' }] });
    out.same = await observe({ type: 'update', id: 500, label: 'changed' });
    h.unmount();
    return out;
  }, rows(1000));
  // One label: one Text node's data, nothing else in the 1,000-row table.
  assert.deepEqual(counts.update, ['characterData #text']);
  assert.equal(counts.updateText, 'changed');
  assert.deepEqual(counts.select, ['attributes tr class']);
  assert.deepEqual(counts.reselect.sort(), ['attributes tr class', 'attributes tr class']);
  // Swapping rows 1 and 998: two moves (each a removal and an insertion).
  assert.deepEqual(counts.swap, ['childList tbody +0 -1', 'childList tbody +1 -0', 'childList tbody +0 -1', 'childList tbody +1 -0']);
  assert.deepEqual(counts.swapOrder, ['1', '999', '3', '998', '2']);
  assert.deepEqual(counts.remove, ['childList tbody +0 -1']);
  assert.deepEqual(counts.append, ['childList tbody +1 -0']);
  assert.deepEqual(counts.same, []);
  assert.deepEqual(errors, []);
  await page.close();
});

// ---- focus, caret, input events ------------------------------------------------------

test('focus, caret and typed value survive re-renders; input and submit are delegated', async () => {
  const { page, errors } = await openPage();
  await page.evaluate((initial) => { window.h = window.T.rt.mount('KeyedList', 'list', { items: initial }); }, rows(50));
  await page.click('#list input.new-label');
  await page.keyboard.type('hello world');
  await page.keyboard.press('ArrowLeft');
  await page.keyboard.press('ArrowLeft');
  await page.keyboard.down('Shift');
  await page.keyboard.press('ArrowLeft'); // select "r" backwards: [8, 9)
  await page.keyboard.up('Shift');
  const after = await page.evaluate(async () => {
    const { h } = window;
    const input = document.querySelector('#list input.new-label');
    const before = [input.selectionStart, input.selectionEnd, input.selectionDirection];
    // Renders of every kind while the user is typing: relabel, move, add,
    // remove, select, and a full reorder.
    h.deliver({ type: 'update', id: 2, label: 'relabelled' });
    await window.T.frame();
    h.deliver({ type: 'swap', a: 0, b: 40 });
    h.flush();
    h.deliver({ type: 'append', items: [{ id: 100, label: 'x' }] });
    h.deliver({ type: 'remove', id: 5 });
    h.deliver({ type: 'select', id: 7 });
    await window.T.frame();
    h.deliver({ type: 'set', items: h.state.get('items').reverse() });
    await window.T.frame();
    return {
      before,
      after: [input.selectionStart, input.selectionEnd, input.selectionDirection],
      focused: document.activeElement === input,
      value: input.value,
      text: h.state.get('text'),
      sameNode: document.querySelector('#list input.new-label') === input,
    };
  });
  assert.deepEqual(after.before, [8, 9, 'backward']);
  assert.deepEqual(after.after, after.before);
  assert.equal(after.focused, true);
  assert.equal(after.value, 'hello world');
  assert.equal(after.sameNode, true);
  // data-on-input mirrored every keystroke into the component's state.
  assert.equal(after.text, 'hello world');

  // Typing in the middle keeps the caret where the user put it.
  await page.keyboard.type('X');
  await page.evaluate(() => window.T.frame());
  assert.deepEqual(await page.evaluate(() => {
    const input = document.querySelector('#list input.new-label');
    return [input.value, input.selectionStart, window.h.state.get('text')];
  }), ['hello woXld', 9, 'hello woXld']);

  // data-on-submit: Enter adds an item and the component clears the box
  // (a deliberate change of its intended value), without a page load.
  const added = await page.evaluate(() => new Promise((resolve) => {
    window.h.on('added', (data) => resolve(data));
    window.loaded = true;
    document.querySelector('#list input.new-label').form.requestSubmit();
  }));
  await page.evaluate(() => window.T.frame());
  const state = await page.evaluate(() => {
    const input = document.querySelector('#list input.new-label');
    const last = [...document.querySelectorAll('#list tr')].pop();
    return { value: input.value, loaded: window.loaded === true, lastLabel: last.querySelector('a').textContent,
      lastId: last.dataset.id, text: window.h.state.get('text') };
  });
  assert.equal(added.label, 'hello woXld');
  assert.deepEqual(state, { value: '', loaded: true, lastLabel: 'hello woXld', lastId: added.id, text: '' });
  await screenshot(page, 'dom-keyed-list');
  await page.evaluate(() => window.h.unmount());
  assert.deepEqual(errors, []);
  await page.close();
});

test('clicks are delegated to the component with the row key; no inline handlers', async () => {
  const { page, errors } = await openPage();
  await page.evaluate((initial) => {
    window.h = window.T.rt.mount('KeyedList', 'list', { items: initial });
    window.events = [];
    window.h.on('selected', (d) => window.events.push(['selected', d]));
    window.h.on('removed', (d) => window.events.push(['removed', d]));
  }, rows(10));
  await page.click('#list tr[data-id="4"] td.label a');
  await page.click('#list tr[data-id="6"] a.remove');
  await page.evaluate(() => window.T.frame());
  const out = await page.evaluate(() => {
    const el = document.getElementById('list');
    const inline = [...el.querySelectorAll('*')].flatMap((n) => [...n.attributes].map((a) => a.name)).filter((n) => /^on/i.test(n));
    return {
      events: window.events,
      selected: [...el.querySelectorAll('tr.danger')].map((tr) => tr.dataset.id),
      ids: [...el.querySelectorAll('tr')].map((tr) => tr.dataset.id),
      state: window.h.state.get('selected'),
      inline,
      declared: [...new Set([...el.querySelectorAll('*')].flatMap((n) => [...n.attributes].map((a) => a.name)).filter((n) => n.startsWith('data-on-')))].sort(),
      scripts: document.querySelectorAll('script').length,
    };
  });
  assert.deepEqual(out.events, [['selected', { id: '4' }], ['removed', { id: '6' }]]);
  assert.deepEqual(out.selected, ['4']);
  assert.deepEqual(out.ids, ['1', '2', '3', '4', '5', '7', '8', '9', '10']);
  assert.equal(out.state, '4');
  assert.deepEqual(out.inline, []);
  assert.deepEqual(out.declared, ['data-on-click', 'data-on-input', 'data-on-submit']);
  assert.equal(out.scripts, 2); // the page's own two
  // A page cannot invoke a handler the markup does not declare: a click on
  // a cell without data-on-click does nothing.
  await page.click('#list tr[data-id="2"] td.id');
  await page.evaluate(() => window.T.frame());
  assert.equal(await page.evaluate(() => window.events.length), 2);
  await page.evaluate(() => window.h.unmount());
  assert.deepEqual(errors, []);
  await page.close();
});

// ---- hostile strings ------------------------------------------------------------------

const HOSTILE = [
  '<script>window.xss++;alert(1)</script>',
  '<img src=x onerror="window.xss++;alert(2)">',
  '"><svg onload="window.xss++;alert(3)">',
  "' onmouseover='window.xss++' x='",
  'javascript:window.xss++;alert(4)',
  '</td></tr></tbody></table><script>window.xss++</script>',
  '<iframe srcdoc="<script>parent.xss++</script>"></iframe>',
  '&lt;script&gt;window.xss++&lt;/script&gt;',
  '&#x3C;img src=x onerror=window.xss++&#x3E;',
  '{{constructor.constructor("window.xss++")()}}',
  '${window.xss++}',
  '<a href="javascript:window.xss++">x</a>',
  '<style>*{display:none}</style>',
  '<!-- comment --> <![CDATA[ x ]]>',
  '</textarea><script>window.xss++</script>',
  'data-on-click="remove"',
  'null', 'undefined', '__proto__', 'constructor', '0', '-1', '',
  '\u0000\u0001\u0007\u001f\u007f',
  '\u202Eevil\u202C \u200B\uFEFF',
  '😀 漢字 עברית',
  'a'.repeat(5000),
  // The corpus every browser test shares (its payloads set window.__pwned).
  ...SHARED_HOSTILE,
];

test('a corpus of hostile strings in every field renders as text and never runs', async () => {
  const { page, errors, dialogs } = await openPage();
  const out = await page.evaluate(async (corpus) => {
    const { rt } = window.T;
    const el = document.getElementById('list');
    // Labels, string ids (data-id, the id cell, event keys) and the
    // placeholder prop, all hostile.
    const items = corpus.map((s, i) => ({ id: `${i}${s}`.slice(0, 60), label: s }));
    const h = rt.mount('KeyedList', el, { items, placeholder: corpus[1] });
    const bad = [];
    const check = () => {
      const trs = [...el.querySelectorAll('tr')];
      const want = h.state.get('items');
      if (trs.length !== want.length) bad.push(`rows ${trs.length} != ${want.length}`);
      trs.forEach((tr, i) => {
        const label = tr.querySelector('td.label a').textContent;
        if (label !== want[i].label.replace(/\u0000/g, '\uFFFD')) bad.push(`label ${i}: ${JSON.stringify(label).slice(0, 80)}`);
        if (tr.dataset.id !== String(want[i].id).replace(/\u0000/g, '\uFFFD')) bad.push(`id ${i}`);
      });
      const tags = [...el.querySelectorAll('*')].map((n) => n.localName).filter((t) => !['div', 'form', 'input', 'button', 'table', 'tbody', 'tr', 'td', 'a'].includes(t));
      if (tags.length) bad.push(`unexpected elements ${tags}`);
      const attrs = [...el.querySelectorAll('*')].flatMap((n) => [...n.attributes].map((a) => a.name))
        .filter((n) => !['class', 'data-id', 'data-on-click', 'data-on-input', 'data-on-submit', 'placeholder', 'type'].includes(n));
      if (attrs.length) bad.push(`unexpected attributes ${attrs}`);
    };
    check();
    // The same strings through every update path.
    for (let i = 0; i < corpus.length; i++) h.deliver({ type: 'update', id: items[i].id, label: corpus[(i + 1) % corpus.length] });
    await window.T.frame();
    check();
    h.deliver({ type: 'update_every', step: 2, suffix: corpus[0] });
    h.deliver({ type: 'append', items: corpus.map((s, i) => ({ id: `new${i}${s}`.slice(0, 60), label: s + s })) });
    h.deliver({ type: 'select', id: items[2].id });
    h.flush();
    check();
    const selected = [...el.querySelectorAll('tr.danger')].map((tr) => tr.dataset.id);
    // Clicking a row whose key is hostile reaches the component with that key.
    const got = [];
    h.on('selected', (d) => got.push(d.id));
    el.querySelector(`tr:nth-child(6) td.label a`).click();
    const clickedKey = el.querySelector('tr:nth-child(6)').dataset.id;
    h.flush();
    const placeholder = el.querySelector('input').placeholder;
    // The state and the input value carry hostile text too.
    const input = el.querySelector('input');
    input.value = corpus[0];
    input.dispatchEvent(new Event('input', { bubbles: true }));
    h.flush();
    const text = h.state.get('text');
    await new Promise((r) => setTimeout(r, 50)); // let any injected handler fire
    h.unmount();
    return { bad, selected, got, clickedKey, placeholder, text, xss: window.xss, pwned: window.__pwned };
  }, HOSTILE);
  assert.deepEqual(out.bad, []);
  assert.deepEqual(out.selected, [`2${HOSTILE[2]}`.slice(0, 60)]);
  assert.deepEqual(out.got, [out.clickedKey]);
  assert.equal(out.placeholder, HOSTILE[1]);
  assert.equal(out.text, HOSTILE[0]);

  // mountAll: hostile values in data-* attributes are props, not markup.
  const auto = await page.evaluate(async (corpus) => {
    const host = document.createElement('section');
    for (let i = 0; i < 4; i++) {
      const div = document.createElement('div');
      div.dataset.pyframeComponent = 'KeyedList';
      div.dataset.placeholder = corpus[i];
      div.dataset.items = JSON.stringify([{ id: i + 1, label: corpus[i + 4] }]);
      host.appendChild(div);
    }
    document.body.appendChild(host);
    const handles = await PyFrameRT.mountAll(host);
    const res = [...host.children].map((d) => [d.querySelector('input').placeholder, d.querySelector('td.label a').textContent]);
    await new Promise((r) => setTimeout(r, 50));
    handles.forEach((h) => h.unmount());
    host.remove();
    return { res, errors: handles.errors.length, xss: window.xss };
  }, HOSTILE);
  assert.deepEqual(auto.res, [0, 1, 2, 3].map((i) => [HOSTILE[i], HOSTILE[i + 4]]));
  assert.equal(auto.errors, 0);
  assert.equal(auto.xss, 0);
  assert.equal(out.xss, 0);
  assert.equal(out.pwned, undefined);
  assert.deepEqual(dialogs, []);
  assert.deepEqual(errors, []);
  await page.close();
});

// ---- mounting -------------------------------------------------------------------------

test('mount returns a handle; mountAll mounts data-pyframe-component elements with data-* props', async () => {
  const { page, errors } = await openPage();
  const out = await page.evaluate(async () => {
    const h = await PyFrameRT.mount('KeyedList', 'list', { items: [{ id: 'a', label: 'A' }], placeholder: 'Type' });
    const shape = {
      unmount: typeof h.unmount, on: typeof h.on, mounted: h.mounted,
      items: h.state.get('items'), selected: h.state.get('selected'),
      placeholder: document.querySelector('#list input').placeholder,
    };
    // state is live: setting it from JS re-renders.
    const changes = [];
    const unsub = h.state.subscribe('items', (keys) => changes.push(keys));
    h.state.update('items', [{ id: 'b', label: 'B' }]);
    await window.T.frame();
    shape.afterUpdate = document.querySelector('#list td.label a').textContent;
    shape.changes = changes;
    unsub();
    h.unmount();
    shape.afterUnmount = { mounted: h.mounted, children: document.getElementById('list').childNodes.length };
    h.unmount(); // twice is harmless
    let stateErr = null;
    try { h.state; } catch (e) { stateErr = e.code; }
    shape.stateErr = stateErr;

    const handles = await PyFrameRT.mountAll();
    shape.all = handles.map((x) => [x.name, x.element.id]);
    shape.allErrors = handles.errors.map((e) => [e.element.id, e.error.name, e.error.code, e.error.message]);
    shape.auto1 = { placeholder: document.querySelector('#auto1 input').placeholder,
      label: document.querySelector('#auto1 td.label a').textContent };
    shape.auto2 = document.querySelector('#auto2 input').placeholder;
    // A second mountAll skips what is mounted.
    const again = await PyFrameRT.mountAll();
    shape.again = again.length;
    handles.forEach((x) => x.unmount());
    shape.components = window.T.rt.memoryStats().components;
    return shape;
  });
  assert.deepEqual(out, {
    unmount: 'function', on: 'function', mounted: true,
    items: [{ id: 'a', label: 'A' }], selected: null, placeholder: 'Type',
    afterUpdate: 'B', changes: [['items']],
    afterUnmount: { mounted: false, children: 0 }, stateErr: -9,
    all: [['KeyedList', 'auto1'], ['KeyedList', 'auto2']],
    allErrors: [['auto-bad', 'PyFrameError', -5, 'mount("NoSuchComponent"): unknown component "NoSuchComponent"']],
    auto1: { placeholder: 'Auto one', label: 'from data-items' }, auto2: 'Auto two',
    again: 0, components: 0,
  });
  assert.deepEqual(errors, []);
  await page.close();
});

test('mounting into a missing element, an unknown component, or twice gives a clear error', async () => {
  const { page, errors } = await openPage();
  const out = await page.evaluate(async () => {
    const attempt = async (fn) => {
      try { await fn(); return 'no error'; } catch (e) { return [e.name, e.code, e.message]; }
    };
    const res = {};
    res.missing = await attempt(() => PyFrameRT.mount('KeyedList', 'nope', {}));
    res.unknown = await attempt(() => PyFrameRT.mount('NoSuch', 'list', {}));
    res.unknownLeft = document.getElementById('list').childNodes.length;
    res.badProps = await attempt(() => PyFrameRT.mount('KeyedList', 'list', [1, 2]));
    const h = await PyFrameRT.mount('KeyedList', 'list', {});
    res.twice = await attempt(() => PyFrameRT.mount('KeyedList', 'list', {}));
    res.stillMounted = h.mounted && document.querySelectorAll('#list form').length === 1;
    h.unmount();
    res.afterUnmount = await attempt(async () => { (await PyFrameRT.mount('KeyedList', 'list', {})).unmount(); });
    res.deliverBad = await attempt(async () => {
      const k = await PyFrameRT.mount('KeyedList', 'list', {});
      try { k.deliver('{not json'); } finally { k.unmount(); }
    });
    res.components = window.T.rt.memoryStats().components;
    return res;
  });
  assert.deepEqual(out.missing, ['PyFrameError', -5, 'mount("KeyedList"): no element with id "nope"']);
  assert.deepEqual(out.unknown, ['PyFrameError', -5, 'mount("NoSuch"): unknown component "NoSuch"']);
  assert.equal(out.unknownLeft, 0);
  assert.deepEqual(out.badProps, ['PyFrameError', -4, 'mount("KeyedList"): props must be a plain object']);
  assert.deepEqual(out.twice, ['PyFrameError', -13, 'mount("KeyedList"): element #list already has KeyedList mounted']);
  assert.equal(out.stillMounted, true);
  assert.equal(out.afterUnmount, 'no error');
  assert.equal(out.deliverBad[0], 'PyFrameError');
  assert.equal(out.deliverBad[1], -3);
  assert.equal(out.components, 0);
  // deliver('{not json') logs a warning in C, not an error.
  assert.deepEqual(errors, []);
  await page.close();
});

test('unmount frees everything: 1,000 mount/unmount cycles do not leak', async () => {
  const { page, errors } = await openPage();
  const out = await page.evaluate(async (initial) => {
    const { rt } = window.T;
    const el = document.getElementById('cycle');
    const cycle = async (i) => {
      const h = rt.mount('KeyedList', el, { items: initial, placeholder: `p${i}` });
      h.on('selected', () => {});
      h.state.subscribe('items', () => {});
      h.deliver({ type: 'update', id: 1 + (i % 20), label: `c${i}` });
      h.deliver({ type: 'select', id: 3 });
      if (i % 2) h.flush(); // else: unmount with a render still scheduled
      el.querySelector('a').click(); // a delegated event
      h.unmount();
      if (el.childNodes.length !== 0) throw new Error(`cycle ${i}: element not emptied`);
    };
    const base = rt.memoryStats();
    for (let i = 0; i < 50; i++) await cycle(i); // warm up allocator pools
    await window.T.frame();
    const warm = rt.memoryStats();
    for (let i = 0; i < 1000; i++) await cycle(i);
    await window.T.frame();
    const end = rt.memoryStats();
    return { base, warm, end, targets: rt.host.targets.size, patchers: rt.host.patchers.size,
      children: el.childNodes.length };
  }, rows(20));
  assert.equal(out.end.components, 0);
  assert.equal(out.base.components, 0);
  assert.equal(out.children, 0);
  assert.equal(out.patchers, 0);
  assert.equal(out.targets, 0);
  // malloc'd bytes are back where they were after warm-up (to the byte
  // would be ideal; allow allocator rounding), and wasm memory did not grow.
  assert.ok(out.end.heapUsed - out.warm.heapUsed <= 256, `heap used grew: ${JSON.stringify(out)}`);
  assert.equal(out.end.heapSize, out.warm.heapSize, `heap grew: ${JSON.stringify(out)}`);
  assert.deepEqual(errors, []);
  await page.close();
});

test('the applier keeps its id table bounded and rejects malformed patches', async () => {
  const { page, errors } = await openPage();
  const out = await page.evaluate(async (initial) => {
    const { rt } = window.T;
    const h = rt.mount('KeyedList', 'list', {});
    const sizes = [];
    for (let i = 0; i < 20; i++) {
      h.deliver({ type: 'set', items: initial.map((x) => ({ id: x.id + i * 1000, label: x.label })) });
      h.flush();
      sizes.push(h.applier.size);
      h.deliver({ type: 'clear' });
      h.flush();
    }
    const live = document.querySelectorAll('#list *').length + document.querySelectorAll('#list tr').length * 4;
    h.unmount();
    // Malformed patches stop with a PyFrameError at the bad op.
    const { DomApplier } = PyFrameRT._internal;
    const el = document.createElement('div');
    const a = new DomApplier(el, null);
    const tries = {};
    const attempt = (name, bytes) => {
      try { a.apply(new Uint8Array(bytes)); tries[name] = 'ok'; } catch (e) { tries[name] = [e.name, e.code, e.message]; }
    };
    attempt('header', [0x50, 0x46, 0x02]);
    attempt('unknown op', [0x50, 0x46, 0x01, 0x0c, 0x01]);
    attempt('unknown node', [0x50, 0x46, 0x01, 0x08, 0x07, 0x01, 0x41]);
    attempt('truncated', [0x50, 0x46, 0x01, 0x01, 0x01, 0x05, 0x64]);
    attempt('clone smaller', [0x50, 0x46, 0x01, 0x01, 0x01, 0x01, 0x62, 0x0b, 0x02, 0x01, 0x03]);
    attempt('clone larger', [0x50, 0x46, 0x01, 0x01, 0x03, 0x01, 0x62, 0x02, 0x04, 0x01, 0x79, 0x03, 0x03, 0x04, 0x00, 0x0b, 0x05, 0x03, 0x01]);
    attempt('on attribute', [0x50, 0x46, 0x01, 0x01, 0x01, 0x01, 0x62, 0x06, 0x01, 0x07, 0x6f, 0x6e, 0x63, 0x6c, 0x69, 0x63, 0x6b, 0x01, 0x78, 0x03, 0x00, 0x01, 0x00]);
    return { sizes, live, tries, html: el.innerHTML };
  }, rows(1000));
  assert.ok(Math.max(...out.sizes) <= 2 * 10003 + 1024, `id table grew: ${out.sizes}`);
  assert.deepEqual(out.tries.header, ['PyFrameError', -12, 'DOM patch: bad header']);
  assert.deepEqual(out.tries['unknown op'], ['PyFrameError', -12, 'DOM patch: unknown op 12']);
  assert.deepEqual(out.tries['unknown node'], ['PyFrameError', -12, 'DOM patch: unknown node 7']);
  assert.deepEqual(out.tries.truncated, ['PyFrameError', -12, 'DOM patch: truncated string']);
  assert.deepEqual(out.tries['clone smaller'], ['PyFrameError', -12, 'DOM patch: clone smaller than its count']);
  assert.deepEqual(out.tries['clone larger'], ['PyFrameError', -12, 'DOM patch: clone larger than its count']);
  assert.equal(out.tries['on attribute'], 'ok');
  assert.equal(out.html, '<b></b>'); // onclick was refused by the applier
  assert.deepEqual(errors, []);
  await page.close();
});

test('app callbacks cannot break the runtime: throwing listeners, unmount from a listener or a subscriber, failed mounts, cut bodies', async () => {
  const { page, errors } = await openPage();
  const out = await page.evaluate(async () => {
    const rt = window.T.rt;
    const res = {};
    // A failed mount leaves the element as it was.
    const cycle = document.getElementById('cycle');
    const attempt = (fn) => { try { fn(); return 'no error'; } catch (e) { return [e.name, e.code]; } };
    res.unknown = attempt(() => rt.mount('NoSuch', 'cycle', {}));
    const cyclic = {};
    cyclic.self = cyclic;
    res.cyclic = attempt(() => rt.mount('KeyedList', 'cycle', { items: cyclic }));
    res.kept = cycle.innerHTML;

    // A listener that throws: reported, and the component goes on.
    const a = rt.mount('KeyedList', 'list', { items: [{ id: 1, label: 'one' }, { id: 2, label: 'two' }] });
    a.on('selected', () => { throw new Error('listener bug'); });
    await window.T.frame();
    document.querySelector('#list tr[data-id="2"] td.label a').click();
    await window.T.frame();
    res.selectedAfterThrow = a.state.get('selected');
    document.querySelector('#list tr[data-id="1"] a.remove').click();
    await window.T.frame();
    res.rowsAfterThrow = [...document.querySelectorAll('#list tr')].map((tr) => tr.dataset.id);
    a.unmount();
    res.afterUnmountA = rt.memoryStats().components;

    // unmount() from the component's own listener: done once it returns.
    const b = rt.mount('KeyedList', 'list', { items: [{ id: 1, label: 'one' }] });
    b.on('selected', () => b.unmount());
    await window.T.frame();
    document.querySelector('#list tr[data-id="1"] td.label a').click();
    await Promise.resolve();
    await window.T.frame();
    res.bMounted = b.mounted;
    res.bComponents = rt.memoryStats().components;
    res.bRows = document.querySelectorAll('#list tr').length;

    // unmount() and a new mount from a subscriber of the component's state.
    const c = rt.mount('KeyedList', 'list', { items: [{ id: 1, label: 'one' }] });
    c.state.subscribe('selected', () => {
      c.unmount();
      window.fresh = rt.mount('KeyedList', 'fresh', { items: [{ id: 9, label: 'nine' }] });
    });
    await window.T.frame();
    document.querySelector('#list tr[data-id="1"] td.label a').click();
    await window.T.frame();
    await window.T.frame();
    res.cMounted = c.mounted;
    res.freshRows = [...document.querySelectorAll('#fresh tr')].map((tr) => tr.dataset.id);
    window.fresh.unmount();
    res.cComponents = rt.memoryStats().components;

    // A response whose body fails half-way is a network error: the list
    // stops loading and says so (before, it waited for ever).
    const realFetch = window.fetch;
    let calls = 0;
    window.fetch = async () => {
      calls++;
      return { status: 200, text: () => Promise.reject(new TypeError('Failed to fetch')) };
    };
    try {
      const p = rt.mount('LivePostList', 'list', { api: '/api/posts', url: 'ws://127.0.0.1:9/ws/posts' });
      for (let i = 0; i < 50 && p.state.get('loading') !== false; i++) await new Promise((r) => setTimeout(r, 20));
      res.loading = p.state.get('loading');
      res.calls = calls;
      p.unmount();
    } finally {
      window.fetch = realFetch;
    }
    res.components = rt.memoryStats().components;
    return res;
  });
  assert.deepEqual(out.unknown, ['PyFrameError', -5]);
  assert.deepEqual(out.cyclic, ['PyFrameError', -4]);
  assert.equal(out.kept, '<p>placeholder content</p>');
  assert.equal(out.selectedAfterThrow, '2');
  assert.deepEqual(out.rowsAfterThrow, ['2']);
  assert.equal(out.afterUnmountA, 0);
  assert.equal(out.bMounted, false);
  assert.equal(out.bComponents, 0);
  assert.equal(out.bRows, 0);
  assert.equal(out.cMounted, false);
  assert.deepEqual(out.freshRows, ['9']);
  assert.equal(out.cComponents, 0);
  assert.equal(out.loading, false);
  assert.equal(out.calls, 1);
  assert.equal(out.components, 0);
  // The one throwing listener is reported (after its task); nothing else.
  assert.deepEqual(errors.filter((e) => !/WebSocket|ERR_|net::/.test(e)), ['Error: listener bug']);
  await page.close();
});

test('a patch that fails half-way (the page moved the component\'s nodes) is followed by a fresh render of the whole tree', async () => {
  const { page, errors } = await openPage();
  const out = await page.evaluate(async (initial) => {
    const { rt, canon } = window.T;
    const h = rt.mount('KeyedList', 'list', { items: initial });
    h.flush();
    // A page script takes the rows out of the table behind the runtime's back.
    const tbody = document.querySelector('#list tbody');
    const taken = [...tbody.children];
    tbody.replaceChildren();
    document.getElementById('fresh').append(...taken);
    // Moving a row before another that is no longer in the table throws in
    // the applier: the root is emptied and C sends its whole tree again.
    h.deliver({ type: 'swap', a: 0, b: 3 });
    h.flush();
    const after = canon(document.getElementById('list'));
    const rowsShown = [...document.querySelectorAll('#list tbody tr')].map((r) => r.dataset.id);
    // Later patches apply to the rebuilt tree.
    h.deliver({ type: 'update', id: 2, label: 'two' });
    h.flush();
    const label = document.querySelector('#list tr[data-id="2"] a').textContent;
    // What a fresh mount of the same items shows.
    const items = h.state.get('items');
    const f = rt.mount('KeyedList', 'fresh', { items });
    f.flush();
    const fresh = canon(document.getElementById('fresh'));
    const now = canon(document.getElementById('list'));
    f.unmount();
    h.unmount();
    return { rowsShown, ids: items.map((x) => String(x.id)), label, same: now === fresh, after };
  }, rows(5));
  assert.deepEqual(out.rowsShown, ['4', '2', '3', '1', '5']);
  assert.deepEqual(out.rowsShown, out.ids);
  assert.equal(out.label, 'two');
  assert.ok(out.same, 'the rebuilt list equals a fresh render');
  // The failed patch is reported once, on the console.
  assert.equal(errors.length, 1, errors.join('\n'));
  assert.match(errors[0], /KeyedList/);
  await page.close();
});

test('checked and selected follow the component after the user has clicked (the property, not only the attribute)', async () => {
  const { page, errors } = await openPage();
  const out = await page.evaluate(() => {
    const { DomApplier } = PyFrameRT._internal;
    const el = document.createElement('div');
    document.body.append(el);
    const a = new DomApplier(el, null);
    const enc = (s) => [s.length, ...[...s].map((c) => c.charCodeAt(0))];
    const P = (...ops) => a.apply(new Uint8Array([0x50, 0x46, 0x01, ...ops.flat()]));
    // <input type=checkbox checked> and <select><option>a<option selected>b
    P([0x01, 1, ...enc('input')], [0x06, 1, ...enc('type'), ...enc('checkbox')],
      [0x06, 1, ...enc('checked'), 0], [0x03, 0, 1, 0],
      [0x01, 2, ...enc('select')], [0x01, 3, ...enc('option')], [0x01, 4, ...enc('option')],
      [0x06, 4, ...enc('selected'), 0], [0x03, 2, 3, 0], [0x03, 2, 4, 0], [0x03, 0, 2, 0]);
    const box = el.querySelector('input');
    const sel = el.querySelector('select');
    const seen = [box.checked, sel.selectedIndex];
    box.click();                                    // the user unchecks
    seen.push(box.checked);
    P([0x07, 1, ...enc('checked')]);                // the component follows
    P([0x06, 1, ...enc('checked'), 0]);             // then checks it again
    seen.push(box.checked);
    box.click();
    box.click();                                    // checked by the user
    P([0x07, 1, ...enc('checked')]);                // the component unchecks it
    seen.push(box.checked);
    sel.selectedIndex = 0;                          // the user picks the first
    P([0x07, 4, ...enc('selected')]);
    P([0x06, 4, ...enc('selected'), 0]);            // the component selects b again
    seen.push(sel.selectedIndex);
    el.remove();
    return seen;
  });
  assert.deepEqual(out, [true, 1, false, true, false, 1]);
  assert.deepEqual(errors, []);
  await page.close();
});

test('handle.on(event, notAFunction) throws PF_EINVAL at once; the component and its other listeners go on', async () => {
  const { page, errors } = await openPage();
  const out = await page.evaluate(async () => {
    const rt = window.T.rt;
    const attempt = (fn) => { try { fn(); return 'no error'; } catch (e) { return [e.name, e.code, e.message]; } };
    const h = rt.mount('KeyedList', 'list', { items: [{ id: 1, label: 'one' }] });
    const res = { null: attempt(() => h.on('selected', null)), string: attempt(() => h.on('selected', 'str')) };
    const heard = [];
    h.on('selected', (p) => heard.push(p.id));
    await window.T.frame();
    document.querySelector('#list tr[data-id="1"] td.label a').click();
    await window.T.frame();
    res.heard = heard;
    h.unmount();
    return res;
  });
  assert.deepEqual(out.null, ['PyFrameError', -1, 'on("selected"): a function is needed']);
  assert.deepEqual(out.string, ['PyFrameError', -1, 'on("selected"): a function is needed']);
  assert.deepEqual(out.heard, ['1']);
  assert.deepEqual(errors, []);
  await page.close();
});

test("handle.state.free() throws PF_ESTATE: the component owns its store, which stays usable until unmount", async () => {
  const { page, errors } = await openPage();
  const out = await page.evaluate(async () => {
    const rt = window.T.rt;
    const h = rt.mount('KeyedList', 'list', { items: [{ id: 1, label: 'one' }] });
    const res = {};
    try { h.state.free(); res.free = 'no error'; } catch (e) { res.free = [e.name, e.code, e.message]; }
    try { res.items = h.state.get('items').map((i) => i.id); } catch (e) { res.items = [e.name, e.code, e.message]; }
    h.deliver({ type: 'append', items: [{ id: 2, label: 'two' }] });
    h.flush();
    res.rows = [...document.querySelectorAll('#list tr')].map((tr) => tr.dataset.id);
    const view = h.state;
    h.unmount();
    view.free(); // after unmount: nothing left to free, harmless
    res.components = rt.memoryStats().components;
    return res;
  });
  assert.deepEqual(out.free, ['PyFrameError', -9, 'state.free: a component owns this store; it is freed at unmount']);
  assert.deepEqual(out.items, [1]);
  assert.deepEqual(out.rows, ['1', '2']);
  assert.equal(out.components, 0);
  assert.deepEqual(errors, []);
  await page.close();
});

test('mount and mountAll refuse what is not an element id, an Element or a root with PF_EINVAL, before registering anything', async () => {
  const { page, errors } = await openPage();
  const out = await page.evaluate(async () => {
    const rt = window.T.rt;
    const attempt = async (fn) => { try { await fn(); return 'no error'; } catch (e) { return [e.name, e.code, e.message]; } };
    const res = {};
    for (const [k, v] of [['object', {}], ['number', 5], ['null', null], ['text', document.createTextNode('x')]])
      res[k] = await attempt(() => PyFrameRT.mount('KeyedList', v, {}));
    res.syncObject = await attempt(() => rt.mount('KeyedList', {}, {}));
    res.all5 = await attempt(() => PyFrameRT.mountAll(5));
    res.allNull = await attempt(() => rt.mountAll(null));
    res.components = rt.memoryStats().components;
    // A shadow root and a fragment are roots too (web components).
    const host = document.createElement('div');
    document.body.append(host);
    const shadow = host.attachShadow({ mode: 'open' });
    shadow.innerHTML = '<div data-pyframe-component="KeyedList"></div>';
    const frag = document.createDocumentFragment();
    frag.append(Object.assign(document.createElement('div'), { innerHTML: '<div data-pyframe-component="KeyedList"></div>' }));
    res.roots = [];
    for (const root of [shadow, frag]) {
      const all = rt.mountAll(root);
      res.roots.push([all.length, all.errors.length]);
      for (const x of all) x.unmount();
    }
    host.remove();
    // Nothing half-registered: the same calls with an element work.
    const h = rt.mount('KeyedList', 'list', {});
    res.mounted = h.mounted;
    h.unmount();
    return res;
  });
  const bad = ['PyFrameError', -1, 'mount("KeyedList"): expected an element id string or an Element'];
  for (const k of ['object', 'number', 'null', 'text', 'syncObject']) assert.deepEqual(out[k], bad, k);
  for (const k of ['all5', 'allNull']) assert.deepEqual(out[k], ['PyFrameError', -1, 'mountAll: expected a root Element, Document, ShadowRoot or DocumentFragment, or nothing'], k);
  assert.deepEqual(out.roots, [[1, 0], [1, 0]]);
  assert.equal(out.components, 0);
  assert.equal(out.mounted, true);
  assert.deepEqual(errors, []);
  await page.close();
});
