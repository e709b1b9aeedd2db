// Compiled with tsc --noEmit by test/js/types.test.mjs: the declarations in
// dist/pyframe_rt.d.ts must accept the way the README uses the API.
import PyFrameRT, { PyFrameError, type State, type TextOp } from '../../dist/pyframe_rt.mjs';

async function main(): Promise<void> {
  const rt = await PyFrameRT.load({ log: (level, text) => console.log(level, text) });
  const state: State = rt.createState({ posts: [], loading: true });
  const off = state.subscribe('posts', (keys) => console.log(keys.join(',')));
  state.update('loading', false);
  const n: number = state.get<number>('count', 0);
  state.update('count', state.get('count') + 1); // as the README writes it
  off();
  const handle = await PyFrameRT.mount('LivePostList', 'posts', { token: 'abc' });
  handle.on('change', (p) => console.log(p));
  handle.unmount();
  rt.setTokenProvider(async () => 'fresh');
  rt.setComponentToken('fresh');
  rt.setTokenProvider(null);
  const sock = PyFrameRT.socket('/ws/chat', { token: 't', backoff: { min: 100, cap: 5000 } });
  sock.on('message', (msg, seq) => console.log(msg, seq));
  sock.on('reconnecting', (ev) => console.log(ev.delay));
  const sent: boolean = sock.send({ text: 'hi' });
  const events = PyFrameRT.events('/events/notifications', { token: 't', idleTimeout: 45000 });
  events.on('message', (data, info) => console.log(data, info.id));
  sock.on('state', (ev) => { if (ev.cause === 'gap') console.log(sock.stats.gaps, events.stats.deadLinks); });
  const op: TextOp = [5, 'abc', { d: 4 }];
  const text: string = rt.ot.type.apply('hello world', op);
  const doc = new rt.ot.Document('hi');
  doc.splice(0, 0, '😀');
  const chained: string = doc.apply([1, 'y']).splice(0, 1).text;
  const made: PyFrameError = new PyFrameError('made here', -1, 3);
  sock.on('error', (err) => console.log(err.code, err.text, err.cause, chained, made.position));
  try {
    state.updateJSON('x', '{');
  } catch (e) {
    if (e instanceof PyFrameError) console.log(e.code, e.position, n, sent, text);
  }
}
void main();
