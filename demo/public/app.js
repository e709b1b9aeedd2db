// The demo page (demo/public/index.html): log in, mount the four live
// components, and drive posts and notifications over REST.
//
// No inline script or handler: the page works under a strict
// Content-Security-Policy. Every string from the server or the user is put
// in the DOM with textContent, never as markup.
(() => {
  'use strict';

  const SESSION_KEY = 'pyframe-demo-session';
  const $ = (id) => document.getElementById(id);

  /** The mounted components by element id, and the session, for a person
   * poking around in the console (and for the end-to-end tests). */
  const demo = { session: null, handles: {}, errors: {} };
  window.pyframeDemo = demo;

  // ---- session (sessionStorage: one user per tab or window) ---------------

  function loadSession() {
    try {
      const s = JSON.parse(sessionStorage.getItem(SESSION_KEY));
      return s && typeof s.token === 'string' && s.user ? s : null;
    } catch (e) {
      return null;
    }
  }

  function saveSession(s) {
    if (s) sessionStorage.setItem(SESSION_KEY, JSON.stringify(s));
    else sessionStorage.removeItem(SESSION_KEY);
  }

  async function api(method, path, body) {
    const headers = { Accept: 'application/json' };
    if (demo.session) headers.Authorization = `Bearer ${demo.session.token}`;
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    const res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    let data = null;
    try { data = await res.json(); } catch (e) { /* no body */ }
    if (!res.ok) {
      const err = new Error((data && data.error) || `HTTP ${res.status}`);
      err.status = res.status;
      if (res.status === 401 && demo.session && path !== '/api/me') setTimeout(loginRefused, 0);
      throw err;
    }
    return data;
  }

  function showError(msg) {
    const el = $('app-error');
    el.textContent = msg || '';
    el.hidden = !msg;
  }

  function setStatus(id, msg, isError) {
    const el = $(id);
    el.textContent = msg;
    el.classList.toggle('error', !!isError);
  }

  // ---- components -----------------------------------------------------------

  const MOUNTS = [
    ['posts', 'LivePostList', (s) => ({ token: s.token })],
    ['notifications', 'NotificationSystem', (s) => ({ token: s.token })],
    ['chat', 'ChatRoom', (s) => ({ room: 'lobby', token: s.token, user: s.user.name })],
    ['editor', 'DocumentEditor', (s) => ({ doc: 'welcome', token: s.token, user: s.user })],
  ];

  /** A login the server no longer takes (it expired, or the server's data
   * was reset): said once, with the way out, instead of panels that stay
   * "Authentication required". */
  function loginRefused() {
    if (!demo.session) return;
    stop();
    showError('Your login is no longer valid (it expired, or the server was reset): log in again.');
  }

  async function mountAll(session) {
    for (const [id, name, props] of MOUNTS) {
      try {
        const h = await PyFrameRT.mount(name, id, props(session));
        demo.handles[id] = h;
        delete demo.errors[id];
        // ChatRoom and NotificationSystem keep their connection's state
        // name in "state" / "status".
        const key = name === 'NotificationSystem' ? 'status' : 'state';
        h.state.subscribe(key, () => {
          if (h.state.get(key) === 'auth_failed') setTimeout(loginRefused, 0);
        });
      } catch (e) {
        // A component that is not built in yet (or fails) shows why in its
        // own panel; the others still mount.
        demo.errors[id] = String(e.message || e);
        const p = document.createElement('p');
        p.className = 'mount-error';
        p.textContent = `Could not mount ${name}: ${e.message || e}`;
        $(id).replaceChildren(p);
      }
    }
  }

  function unmountAll() {
    for (const [id] of MOUNTS) {
      const h = demo.handles[id];
      if (h) h.unmount();
      delete demo.handles[id];
      $(id).replaceChildren();
    }
    demo.errors = {};
  }

  // ---- posts (REST) -----------------------------------------------------------

  let myPosts = [];
  let editing = null; // the post as it was when its form was filled

  async function refreshMyPosts() {
    if (!demo.session) return;
    // The user's own posts, drafts and published ones (?author=: the
    // newest 500 of the user's, not those among everyone's newest 500). A
    // server without the filter lists everyone's: the user's are kept.
    const me = demo.session.user.id;
    const mine = await api('GET', `/api/posts?author=${encodeURIComponent(me)}`);
    myPosts = (Array.isArray(mine) ? mine : mine.posts).filter((p) => p.author_id === me).sort((a, b) => b.id - a.id);
    const ul = $('my-posts');
    ul.replaceChildren(...myPosts.map((p) => {
      const li = document.createElement('li');
      li.dataset.id = String(p.id);
      const title = document.createElement('span');
      title.className = 'title';
      title.textContent = p.title;
      const tag = document.createElement('span');
      tag.className = p.published ? 'tag' : 'tag draft';
      tag.textContent = p.published ? 'published' : 'draft';
      const edit = document.createElement('button');
      edit.type = 'button';
      edit.className = 'edit';
      edit.dataset.action = 'edit';
      edit.textContent = 'Edit';
      const del = document.createElement('button');
      del.type = 'button';
      del.className = 'delete';
      del.dataset.action = 'delete';
      del.textContent = 'Delete';
      li.append(title, tag, edit, del);
      return li;
    }));
    if (!myPosts.length) {
      const li = document.createElement('li');
      li.className = 'muted';
      li.textContent = 'None yet: create one above.';
      ul.append(li);
    }
  }

  function resetPostForm() {
    const f = $('post-form');
    f.reset();
    f.elements.id.value = '';
    f.elements.published.checked = true;
    editing = null;
    $('post-submit').textContent = 'Create post';
    $('post-cancel').hidden = true;
  }

  async function onPostSubmit(ev) {
    ev.preventDefault();
    const f = ev.currentTarget;
    const body = {
      title: f.elements.title.value,
      content: f.elements.content.value,
      published: f.elements.published.checked,
    };
    const id = f.elements.id.value;
    // An edit sends only what was changed in the form: a field changed
    // meanwhile in another window is not put back to what the form held.
    if (id && editing && String(editing.id) === id) {
      for (const k of Object.keys(body)) if (body[k] === editing[k]) delete body[k];
    }
    if (id && !Object.keys(body).length) {
      setStatus('post-status', `Post ${id}: nothing changed.`);
      return;
    }
    try {
      if (id) await api('PATCH', `/api/posts/${encodeURIComponent(id)}`, body);
      else await api('POST', '/api/posts', body);
      setStatus('post-status', id ? `Post ${id} saved.` : 'Post created.');
      resetPostForm();
      await refreshMyPosts();
    } catch (e) {
      setStatus('post-status', `Could not save the post: ${e.message}`, true);
    }
  }

  async function onMyPostsClick(ev) {
    const button = ev.target.closest('button[data-action]');
    if (!button) return;
    const id = Number(button.closest('li').dataset.id);
    const post = myPosts.find((p) => p.id === id);
    if (!post) return;
    if (button.dataset.action === 'edit') {
      const f = $('post-form');
      f.elements.id.value = String(post.id);
      f.elements.title.value = post.title;
      f.elements.content.value = post.content || '';
      f.elements.published.checked = !!post.published;
      editing = { id: post.id, title: post.title, content: post.content || '', published: !!post.published };
      $('post-submit').textContent = `Save post ${post.id}`;
      $('post-cancel').hidden = false;
      f.elements.title.focus();
    } else if (button.dataset.action === 'delete') {
      try {
        await api('DELETE', `/api/posts/${id}`);
        setStatus('post-status', `Post ${id} deleted.`);
        if ($('post-form').elements.id.value === String(id)) resetPostForm();
        await refreshMyPosts();
      } catch (e) {
        setStatus('post-status', e.status === 404 ? `Post ${id} was already deleted.` : `Could not delete post ${id}: ${e.message}`, e.status !== 404);
        if (e.status === 404) await refreshMyPosts().catch(() => {});
      }
    }
  }

  // ---- notifications (REST) ---------------------------------------------------

  async function onNotifySubmit(ev) {
    ev.preventDefault();
    const f = ev.currentTarget;
    const body = { title: f.elements.title.value };
    if (f.elements.message.value) body.message = f.elements.message.value;
    if (f.elements.icon.value) body.icon = f.elements.icon.value;
    const to = f.elements.user_id.value.trim();
    if (to) {
      if (!/^\d+$/.test(to)) {
        setStatus('notify-status', 'The recipient is a user id (a number), or empty for yourself.', true);
        return;
      }
      body.user_id = Number(to);
    }
    try {
      const data = await api('POST', '/api/notifications', body);
      setStatus('notify-status', `Sent to user ${data.notification.user_id}.`);
      f.elements.title.value = '';
      f.elements.message.value = '';
    } catch (e) {
      setStatus('notify-status', `Could not send: ${e.message}`, true);
    }
  }

  /** The NotificationSystem shows a browser notification for a new unread
   * one only once the user has allowed it: the button asks (browsers want
   * a click for that), and goes once the answer is given. */
  function showPermission() {
    const N = window.Notification;
    $('notify-permission').hidden = !N || N.permission !== 'default';
  }

  async function askPermission() {
    try {
      await window.Notification.requestPermission();
    } catch (e) { /* an old browser's callback form: nothing to do */ }
    showPermission();
  }

  // ---- log in / out -------------------------------------------------------------

  async function start(session) {
    demo.session = session;
    $('me-name').textContent = session.user.name;
    $('me-id').textContent = String(session.user.id);
    $('login-form').hidden = true;
    $('whoami').hidden = false;
    $('intro').hidden = true;
    $('app').hidden = false;
    document.title = `${session.user.name} · pyframe_rt demo`;
    await mountAll(session);
    showPermission();
    try {
      await refreshMyPosts();
    } catch (e) {
      setStatus('post-status', `Could not load your posts: ${e.message}`, true);
    }
    document.body.dataset.ready = 'true';
  }

  function stop() {
    unmountAll();
    demo.session = null;
    saveSession(null);
    myPosts = [];
    $('my-posts').replaceChildren();
    resetPostForm();
    $('login-form').hidden = false;
    $('whoami').hidden = true;
    $('intro').hidden = false;
    $('app').hidden = true;
    document.title = 'pyframe_rt demo';
    delete document.body.dataset.ready;
  }

  async function onLogin(ev) {
    ev.preventDefault();
    showError('');
    try {
      const data = await api('POST', '/api/login', { name: $('login-name').value });
      const session = { token: data.token, user: data.user };
      saveSession(session);
      await start(session);
    } catch (e) {
      showError(`Could not log in: ${e.message}`);
    }
  }

  async function resume() {
    const session = loadSession();
    if (!session) return;
    demo.session = session;
    try {
      // The token may belong to another database (the server was reset).
      const data = await api('GET', '/api/me');
      session.user = data.user;
      saveSession(session);
    } catch (e) {
      demo.session = null;
      if (e.status === 401) saveSession(null);
      else showError(`Could not reach the server: ${e.message}`);
      if (e.status === 401 || !session) return;
    }
    await start(session);
  }

  $('login-form').addEventListener('submit', onLogin);
  $('logout').addEventListener('click', stop);
  $('post-form').addEventListener('submit', onPostSubmit);
  $('post-cancel').addEventListener('click', resetPostForm);
  $('my-posts').addEventListener('click', onMyPostsClick);
  $('notify-form').addEventListener('submit', onNotifySubmit);
  $('notify-allow').addEventListener('click', askPermission);
  // Posts written in another window (or over the API) show up here when
  // this window is looked at again.
  const refreshSoon = () => { if (demo.session && document.visibilityState === 'visible') refreshMyPosts().catch(() => {}); };
  window.addEventListener('focus', refreshSoon);
  document.addEventListener('visibilitychange', refreshSoon);
  resume().catch((e) => showError(String(e.message || e)));
})();
