// Mounts the KeyedList example component on demo/public/custom.html.
(async () => {
  'use strict';
  const $ = (id) => document.getElementById(id);
  const log = (text) => {
    const li = document.createElement('li');
    li.textContent = text;
    $('kl-events').prepend(li);
  };
  let list;
  try {
    list = await PyFrameRT.mount('KeyedList', 'keyed', {
      items: [
        { id: 1, label: 'Write a component in C' },
        { id: 2, label: 'Render it with pf_html' },
        { id: 3, label: 'Click a label to select it, x to remove it' },
      ],
      placeholder: 'New item',
    });
  } catch (e) {
    $('keyed').textContent = `Could not mount KeyedList: ${e.message}`;
    return;
  }
  window.keyedList = list;
  list.on('added', (e) => log(`added ${e.id}: ${e.label}`));
  list.on('selected', (e) => log(`selected ${e.id}`));
  list.on('removed', (e) => log(`removed ${e.id}`));
  let next = 100;
  $('kl-append').addEventListener('click', () => {
    const items = [1, 2, 3].map(() => ({ id: next, label: `Row ${next++} (appended by a message)` }));
    list.deliver({ type: 'append', items });
  });
  $('kl-mark').addEventListener('click', () => list.deliver({ type: 'update_every', step: 2, suffix: ' !!!' }));
  $('kl-swap').addEventListener('click', () => {
    const n = list.state.get('items').length;
    if (n > 1) list.deliver({ type: 'swap', a: 0, b: n - 1 });
  });
  $('kl-clear').addEventListener('click', () => list.deliver({ type: 'clear' }));
})();
