// The text/event-stream parser of the browser host.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import PyFrameRT from '../../dist/pyframe_rt.mjs';

const { SseParser } = PyFrameRT._internal;

function parse(chunks) {
  const events = [];
  const p = new SseParser((e) => events.push(e));
  for (const c of chunks) p.push(c);
  return events;
}

test('fields, ids, event names and retry', () => {
  const ev = parse(['retry: 5000\nid: 7\nevent: notification\ndata: {"a":1}\n\n: keep-alive\n\ndata: x\n\n']);
  assert.deepEqual(ev, [
    { event: 'notification', id: '7', data: '{"a":1}', retry: 5000 },
    { event: 'message', id: '7', data: 'x', retry: -1 },
  ]);
});

test('multi-line data, CRLF and CR line ends, split chunks', () => {
  const ev = parse(['\ufeffdata: a\r', '\ndata: b\rdata', ':c\r\n\r', '\n']);
  assert.deepEqual(ev, [{ event: 'message', id: '', data: 'a\nb\nc', retry: -1 }]);
});

test('an event without data is not dispatched; bad retry ignored', () => {
  const ev = parse(['event: x\n\nretry: soon\ndata: y\n\n']);
  assert.deepEqual(ev, [{ event: 'message', id: '', data: 'y', retry: -1 }]);
});

test('comments reach the comment callback (the idle timeout counts them)', () => {
  const events = [];
  let comments = 0;
  const p = new SseParser((e) => events.push(e), () => comments++);
  p.push(': keep-alive\n\n:\n\ndata: z\n\n: x');
  assert.equal(comments, 2); // the third is not a whole line yet
  p.push('\n');
  assert.equal(comments, 3);
  assert.deepEqual(events, [{ event: 'message', id: '', data: 'z', retry: -1 }]);
});

test('retry: and id: in a block without data still reach the core', () => {
  // The reference server sends "retry: 3000" alone before the first event;
  // per the HTML spec the reconnection time applies although nothing is
  // dispatched. The core gets it as an event with empty data (and drops
  // it after taking the retry and the id); event: is not passed on.
  const ev = parse(['retry: 3000\n\nevent: resync\nid: 9\n\nretry: x\n\ndata: y\n\n']);
  assert.deepEqual(ev, [
    { event: 'message', id: '', data: '', retry: 3000 },
    { event: 'message', id: '9', data: '', retry: -1 },
    { event: 'message', id: '9', data: 'y', retry: -1 },
  ]);
});

test('CR-only line ends: each event is dispatched with its own chunk', () => {
  const events = [];
  const p = new SseParser((e) => events.push(e));
  p.push('data: 1\r\r');
  assert.deepEqual(events.map((e) => e.data), ['1'], 'not held back until the next chunk');
  p.push('data: 2\r\r');
  assert.deepEqual(events.map((e) => e.data), ['1', '2']);
  // A CRLF split between two chunks is still one line end.
  p.push('data: 3\r');
  p.push('');
  p.push('\n\r\n');
  assert.deepEqual(events.map((e) => e.data), ['1', '2', '3']);
});
