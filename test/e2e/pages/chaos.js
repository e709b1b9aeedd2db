// Helpers for test/chaos/chaos.mjs: one component per page.
window.C = {
  rt: null,
  handle: null,
  ready: PyFrameRT.load().then((rt) => { window.C.rt = rt; return true; }),
  mount(name, props) {
    window.C.handle = window.C.rt.mount(name, 'c', props);
    return true;
  },
  area: () => document.querySelector('textarea.editor'),
  loaded: () => !!document.querySelector('textarea.editor:not([readonly])'),
  saved: () => (document.querySelector('.save-status') || {}).textContent === '\u2705 Saved',
  value: () => document.querySelector('textarea.editor').value,
};
