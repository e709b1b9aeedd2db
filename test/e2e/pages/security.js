// The page script of test/e2e/security.test.mjs: an external file, so that
// the page also runs under a Content-Security-Policy without 'unsafe-inline'.
// It mounts every built-in component against the test server; the
// [data-pyframe-component] elements the server wrote into #auto are mounted
// with mountAll, their data-* attributes becoming props.
window.ready = (async () => {
  const cfg = JSON.parse(document.getElementById('config').textContent);
  const token = cfg.token;
  const h = {};
  h.posts = await PyFrameRT.mount('LivePostList', 'posts', { token });
  h.chat = await PyFrameRT.mount('ChatRoom', 'chat', { room: 'lobby', token });
  h.notes = await PyFrameRT.mount('NotificationSystem', 'notes', { token, icon: '/test/e2e/pages/none.png' });
  h.doc = await PyFrameRT.mount('DocumentEditor', 'doc', { doc: 'd1', token, user: cfg.user });
  h.auto = await PyFrameRT.mountAll(document.getElementById('auto'));
  window.handles = h;
  document.body.dataset.ready = '1';
})();
