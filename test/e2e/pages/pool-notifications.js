// Helpers for test/e2e/pool.test.mjs: two NotificationSystems on one page
// (served by the reference server, whose policy allows no inline script).
//
// The runtime reads event streams over fetch (so that the core sees HTTP
// statuses and retry:), not EventSource: count the page's fetches that ask
// for text/event-stream.
window.streamsOpened = [];
const realFetch = window.fetch;
window.fetch = function (input, init) {
  const headers = (init && init.headers) || {};
  if (headers.Accept === 'text/event-stream') window.streamsOpened.push(String(input));
  return realFetch.call(this, input, init);
};

window.N = {
  rt: null,
  handles: {},
  ready: PyFrameRT.load().then((rt) => { window.N.rt = rt; return true; }),
  mount(id, token) {
    window.N.handles[id] = window.N.rt.mount('NotificationSystem', id, { token });
    return true;
  },
  unmount(id) {
    window.N.handles[id].unmount();
    delete window.N.handles[id];
    return true;
  },
  tokenAsks: 0,
  provideToken(token) {
    window.N.rt.setTokenProvider(async () => { window.N.tokenAsks++; return token; });
    return true;
  },
  state: (id) => document.querySelector(`#${id} .notification-system`)?.dataset.state ?? null,
  titles: (id) => [...document.querySelectorAll(`#${id} .notification-item h4`)].map((e) => e.textContent),
};
