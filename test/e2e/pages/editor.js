// Helpers for test/e2e/editor.test.mjs and bench/editor.mjs.
window.E = {
  rt: null,
  handle: null,
  ready: PyFrameRT.load().then((rt) => { window.E.rt = rt; return true; }),
  mount(props) {
    window.E.handle = window.E.rt.mount('DocumentEditor', 'editor', props);
    return true;
  },
  area: () => document.querySelector('textarea.editor'),
  loaded: () => !!document.querySelector('textarea.editor:not([readonly])'),
  saved: () => (document.querySelector('.save-status') || {}).textContent === '\u2705 Saved',
  value: () => document.querySelector('textarea.editor').value,
};
