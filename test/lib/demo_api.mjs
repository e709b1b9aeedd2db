// The reference server's REST API (demo/server), for the tests that drive it.
import assert from 'node:assert/strict';

/** Calls `method path` on the server at `baseUrl` as the holder of `token`;
 *  fails the test on an error status, else returns the JSON body. */
export async function rest(baseUrl, token, method, path, body) {
  const res = await fetch(`${baseUrl}${path}`, {
    method,
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const data = await res.json();
  assert.ok(res.ok, `${method} ${path}: ${res.status} ${JSON.stringify(data)}`);
  return data;
}

/** Logs `name` in: {token, user, expires_in}. */
export async function login(baseUrl, name) {
  const res = await fetch(`${baseUrl}/api/login`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name }),
  });
  return res.json();
}
