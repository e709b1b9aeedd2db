// Type declarations for pyframe_rt's public JS API (dist/pyframe_rt.js and
// dist/pyframe_rt.mjs). Kept by hand next to bindings/pyframe_rt.js.

/** JSON values as they cross into the runtime. */
export type JSONValue = null | boolean | number | string | JSONValue[] | { [key: string]: JSONValue };

/** An error from the runtime. `code` is the negative pf_err number
 * (-1 invalid argument, -3 malformed JSON, -4 wrong type, -5 not found,
 * -8 too large, -9 wrong state, -10 queue full, -12 protocol, -13 exists). */
export declare class PyFrameError extends Error {
  constructor(message: string, code: number, position?: number);
  readonly name: 'PyFrameError';
  readonly code: number;
  /** Byte offset of a parse error, when known. */
  readonly position?: number;
}

export interface LoadOptions {
  /** Where pyframe_rt.wasm is; default: next to the script. */
  wasmUrl?: string;
  baseUrl?: string;
  /** The wasm bytes, instead of fetching them. */
  wasmBinary?: ArrayBuffer | Uint8Array;
  /** Node: a WebSocket class (e.g. the `ws` package's). */
  WebSocket?: unknown;
  /** A fetch to use for HTTP requests and event streams. */
  fetch?: typeof fetch;
  /** Receives the runtime's log lines instead of the console. */
  log?: (level: 0 | 1 | 2 | 3, text: string) => void;
  debug?: boolean;
}

/** A State store: keyed JSON values, one batched notification per tick. */
export interface State {
  /** The value of `key` (undefined, or `fallback`, when it is not set).
   * Untyped by default (`state.get('count') + 1` compiles); give T to
   * have it checked: `state.get<number>('count', 0)`. */
  get<T = any>(key: string): T | undefined;
  get<T = any>(key: string, fallback: T): T;
  update(key: string, value: JSONValue): void;
  /** Sets a key from JSON text (as received from the network). */
  updateJSON(key: string, json: string): void;
  setMultiple(values: { [key: string]: JSONValue }): void;
  setMultipleJSON(json: string): void;
  remove(key: string): boolean;
  toJSON(): { [key: string]: JSONValue };
  readonly size: number;
  /** fn runs once per tick in which the key (or any key) changed. Returns
   * a function that unsubscribes. */
  subscribe(fn: (changedKeys: string[], state: State) => void): () => void;
  subscribe(key: string, fn: (changedKeys: string[], state: State) => void): () => void;
  flush(): void;
  /** Frees the store. Throws PyFrameError -9 on a mounted component's store (unmount frees it). */
  free(): void;
}

/** A mounted live component. */
export interface ComponentHandle {
  readonly name: string;
  readonly element: Element;
  readonly mounted: boolean;
  /** The component's State store. */
  readonly state: State;
  on(event: string, fn: (payload: any) => void): () => void;
  off(event: string, fn: (payload: any) => void): void;
  /** Removes the component's DOM, closes its connections, frees its memory.
   * Called from one of its own listeners (on), it takes effect as soon as
   * that listener has returned. A listener that throws is reported after
   * the current task; the component goes on. */
  unmount(): void;
  /** Hands a message (an object, sent as JSON, or a JSON text) to the component's on_message. */
  deliver(msg: JSONValue | string): void;
  /** Renders now if the state changed, instead of at the next animation frame. */
  flush(): void;
}

export type TransportStateName =
  | 'idle' | 'connecting' | 'open' | 'reconnecting' | 'rate_limited' | 'offline'
  | 'closed' | 'auth_failed' | 'forbidden' | 'not_found';

export interface TransportStateEvent {
  state: TransportStateName;
  cause: 'none' | 'app' | 'server_close' | 'connect_timeout' | 'dead_link' | 'host' | 'network'
    | 'rate_limit' | 'max_retries' | 'stop' | 'shared' | 'gap';
  /** ms until the next attempt (reconnecting) or until sends resume (rate_limited). */
  delay: number;
  /** Close code, or HTTP status for an event stream. */
  code: number;
  attempt: number;
}

export interface BackoffOptions { min?: number; base?: number; cap?: number; factor?: number; resetAfter?: number }

interface TransportOptions {
  backoff?: BackoffOptions;
  connectTimeout?: number;
  maxRetries?: number;
  token?: string;
  /** Called once after a 4001 (or 401) for a fresh token. */
  getToken?: () => string | Promise<string>;
}

export interface SocketOptions extends TransportOptions {
  longBackoff?: number;
  heartbeatInterval?: number;
  heartbeatTimeout?: number;
  heartbeat?: boolean;
  outboxMax?: number;
  outboxMaxBytes?: number;
  fullPolicy?: 'reject' | 'dropOldest';
  outbox?: boolean;
  maxFrameBytes?: number;
  resume?: boolean;
  resendWindow?: number;
  WebSocket?: unknown;
  shared?: boolean;
  type?: string;
  noQueue?: boolean;
  idleTimeout?: number;
  maxConnections?: number;
  lastSeq?: number;
}

export interface EventsOptions extends TransportOptions {
  maxDataBytes?: number;
  resume?: boolean;
  allowText?: boolean;
  /** ms without an event or comment before an open stream is judged dead and reopened; off when absent. */
  idleTimeout?: number;
  lastEventId?: string;
  fetch?: typeof fetch;
  /** Default true: streams to the same URL with the same options (and
   *  token, getToken, fetch) share one HTTP stream. A late joiner with a
   *  lastEventId gets the events the stream kept after it (all it kept if
   *  the id is not among them); without one it starts from now. false: a
   *  stream of its own. */
  shared?: boolean;
}

/** What a transport's 'error' listeners get: a PyFrameError with `text`
 * (the frame concerned, cut to 256 bytes) when a frame was dropped, and
 * `cause` (the original error) when the runtime failed to load. */
export type TransportError = PyFrameError & { text?: string; cause?: unknown };

interface Transport<Self> {
  /** Resolves once attached to the runtime. Rejects with a PyFrameError
   *  (-11, `cause`: the original error) when the runtime failed to load;
   *  the transport then attaches when a later load() succeeds, and `ready`
   *  is replaced by that attachment's promise. */
  readonly ready: Promise<Self>;
  readonly state: TransportStateName;
  on(event: 'state' | TransportStateName, fn: (ev: TransportStateEvent) => void): Self;
  on(event: 'resync', fn: () => void): Self;
  on(event: 'error', fn: (err: TransportError) => void): Self;
  off(event: string, fn?: (...args: any[]) => void): Self;
  close(): void;
  /** Connects again at once. Throws PyFrameError -9 after dispose(). */
  reconnect(): void;
  /** The token of later attempts. Throws PyFrameError -9 after dispose(). */
  setToken(token: string): void;
  /** Frees the transport for good: later reconnect, setToken and send throw PyFrameError -9 ("... has been disposed"). */
  dispose(): void;
}

/** A reconnecting WebSocket (runtime/pf_ws.c). */
export interface Socket extends Transport<Socket> {
  on(event: 'message', fn: (msg: any, seq: number, text: string) => void): Socket;
  on(event: 'state' | TransportStateName, fn: (ev: TransportStateEvent) => void): Socket;
  on(event: 'resync', fn: () => void): Socket;
  on(event: 'error', fn: (err: TransportError) => void): Socket;
  /** true: sent now; false: queued. Throws PyFrameError -10 when the outbox is full, -9 after dispose(). */
  send(value: JSONValue | string, options?: { noQueue?: boolean }): boolean;
  readonly lastSeq: number;
  readonly stats: {
    received: number; duplicates: number; malformed: number; tooBig: number; sent: number;
    requeued: number; attempts: number; pings: number; coreOnly: boolean; queued: number;
    /** messages that skipped a seq (see docs/transports.md, "Sequence gaps") */
    gaps: number;
  };
}

/** A reconnecting Server-Sent Events stream (runtime/pf_sse.c). */
export interface EventStream extends Transport<EventStream> {
  on(event: 'message', fn: (data: any, info: { event: string; id: string; seq: number }) => void): EventStream;
  on(event: 'state' | TransportStateName, fn: (ev: TransportStateEvent) => void): EventStream;
  on(event: 'resync', fn: () => void): EventStream;
  on(event: 'error', fn: (err: TransportError) => void): EventStream;
  readonly lastEventId: string;
  readonly serverRetry: number;
  readonly stats: {
    received: number; duplicates: number; malformed: number; tooBig: number; attempts: number; errors: number;
    /** streams reopened as silent past idleTimeout */
    deadLinks: number;
  };
}

/** A text-unicode operation: skip N, insert a string, delete N (or a known string). */
export type TextOp = Array<number | string | { d: number | string }>;

/** The text-unicode OT type, with the shape of the npm ot-text-unicode type. */
export interface TextUnicodeType {
  readonly name: 'text-unicode';
  readonly uri: string;
  create(initial?: string): string;
  apply(snapshot: string, op: TextOp): string;
  compose(a: TextOp, b: TextOp): TextOp;
  transform(op: TextOp, other: TextOp, side: 'left' | 'right'): TextOp;
  normalize(op: TextOp): TextOp;
  transformPosition(cursor: number, op: TextOp): number;
  transformSelection(selection: number | [number, number], op: TextOp): number | [number, number];
  isNoop(op: TextOp): boolean;
  checkOp(op: TextOp): void;
  isInvertible(op: TextOp): boolean;
  makeInvertible(op: TextOp, doc: string): TextOp;
  stripInvertible(op: TextOp): TextOp;
  invert(op: TextOp): TextOp;
  invertWithDoc(op: TextOp, doc: string): TextOp;
  [more: string]: unknown;
}

/** A document kept in wasm: only operations cross the boundary. */
export interface OtDocument {
  readonly text: string;
  readonly length: number;
  readonly byteLength: number;
  /** Returns the document itself, for chaining. */
  apply(op: TextOp | string | OtOp): OtDocument;
  /** Delete `del` code points at `pos`, then insert `ins`. Returns the document. */
  splice(pos: number, del: number, ins?: string): OtDocument;
  free(): void;
}

/** An operation kept in the wasm heap, for OT loops; free it explicitly. */
export interface OtOp {
  readonly isNoop: boolean;
  transform(other: OtOp, side: 'left' | 'right'): OtOp;
  compose(other: OtOp): OtOp;
  clone(): OtOp;
  toJSON(): TextOp;
  free(): void;
}

/** The loaded runtime, from PyFrameRT.load(). */
export interface Runtime {
  readonly version: string;
  createState(initial?: { [key: string]: JSONValue }): State;
  /** Throws PyFrameError -1 when elementOrId is neither an element id nor an Element. */
  mount(name: string, elementOrId: string | Element, props?: { [key: string]: JSONValue }): ComponentHandle;
  /** Throws PyFrameError -1 when root is given and is not an Element or a Document. */
  mountAll(root?: ParentNode): ComponentHandle[] & { errors: { element: Element; error: PyFrameError }[] };
  /** Mounted components, bytes malloc'ed in the wasm heap, and wasm memory size (leak checks). */
  memoryStats(): { components: number; heapUsed: number; heapSize: number };
  /** Throws PyFrameError -1 when `url`, resolved against the page, is not ws(s) (http(s) becomes ws(s)). */
  socket(url: string | URL, options?: SocketOptions): Socket;
  /** Throws PyFrameError -1 when `url`, resolved against the page, is not http(s). */
  events(url: string | URL, options?: EventsOptions): EventStream;
  /** The token provider of the mounted components' shared sockets and
   *  event streams: called once after a 4001 (or HTTP 401) on one of them;
   *  its token replaces the one the components' `token` props put in the
   *  URL. `null` removes it. */
  setTokenProvider(getToken: (() => string | Promise<string>) | null): void;
  /** Sets the token of every shared component connection, now and later. */
  setComponentToken(token: string): void;
  readonly ot: {
    readonly type: TextUnicodeType;
    Document: new (text?: string) => OtDocument;
    Op: { from(op: TextOp | string): OtOp };
    [more: string]: unknown;
  };
  strerror(code: number): string;
}

export interface PyFrameRTStatic {
  readonly VERSION: string;
  readonly PyFrameError: typeof PyFrameError;
  /** The text with token= values, Bearer credentials and JWTs replaced by
   *  [redacted]: what the runtime applies to every line it logs. */
  redactTokens(text: string): string;
  /** Loads and instantiates the wasm once; later calls return the same promise. */
  load(options?: LoadOptions): Promise<Runtime>;
  createState(initial?: { [key: string]: JSONValue }): Promise<State>;
  mount(name: string, elementOrId: string | Element, props?: { [key: string]: JSONValue }): Promise<ComponentHandle>;
  mountAll(root?: ParentNode): Promise<ComponentHandle[] & { errors: { element: Element; error: PyFrameError }[] }>;
  /** Throws PyFrameError -1 when `url`, resolved against the page, is not ws(s) (http(s) becomes ws(s)). */
  socket(url: string | URL, options?: SocketOptions): Socket;
  /** Throws PyFrameError -1 when `url`, resolved against the page, is not http(s). */
  events(url: string | URL, options?: EventsOptions): EventStream;
}

declare const PyFrameRT: PyFrameRTStatic;
export default PyFrameRT;
export { PyFrameRT };

declare global {
  /** The classic script (dist/pyframe_rt.js) sets this global. */
  // eslint-disable-next-line no-var
  var PyFrameRT: PyFrameRTStatic;
}
