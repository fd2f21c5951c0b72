/**
 * The load side of tools/bench.ts: a small HTTP/1.1 client on keep-alive sockets, closed-loop
 * runs (N connections, each sends its next request when the last one answered) and open-loop runs
 * (requests leave on a fixed schedule whatever the answers do, so a slow server shows up as
 * latency rather than as a politely lower rate).
 *
 * The client writes each request as one string on a raw socket and reads only the status line,
 * the framing headers and the body. It shares the two cores with the service it measures: through
 * node:http a request cost the load generator about 250 µs of CPU, a quarter of the machine at
 * 2,000 requests a second.
 */
import { connect, type Socket } from 'node:net';
import { distribution, type Distribution, randomGenerator } from './bench-support.js';

export interface Answer {
  status: number;
  body: string;
}

interface Exchange {
  request: string;
  keepBody: boolean;
  done: (answer: Answer) => void;
  fail: (error: Error) => void;
  /** Sent on a socket that had served a request before: if it closes unanswered, send again once. */
  retried?: boolean;
}

const HEADER_END = Buffer.from('\r\n\r\n');
const CRLF = Buffer.from('\r\n');

/** One keep-alive connection, one exchange at a time. */
class Connection {
  private buffer: Buffer = Buffer.alloc(0);
  private exchange: Exchange | null = null;
  private head: { status: number; length: number | null; chunked: boolean; close: boolean; bodyStart: number } | null = null;
  private timer: NodeJS.Timeout | null = null;
  served = 0;
  closed = false;

  constructor(
    private readonly socket: Socket,
    private readonly timeoutMs: number,
    private readonly onIdle: (connection: Connection) => void,
    private readonly onClosed: (connection: Connection, unanswered: Exchange | null) => void,
  ) {
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.read(chunk));
    socket.on('error', () => this.close());
    socket.on('close', () => this.close());
  }

  start(exchange: Exchange): void {
    this.exchange = exchange;
    this.timer = setTimeout(() => this.fail(new Error(`no answer within ${this.timeoutMs} ms`)), this.timeoutMs);
    this.socket.write(exchange.request);
  }

  destroy(): void {
    this.socket.destroy();
  }

  private read(chunk: Buffer): void {
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    if (!this.exchange) return void this.fail(new Error('data with no request'));
    if (!this.head) {
      const end = this.buffer.indexOf(HEADER_END);
      if (end < 0) return;
      const lines = this.buffer.subarray(0, end).toString('latin1').split('\r\n');
      const status = Number(lines[0].split(' ')[1]);
      let length: number | null = null;
      let chunked = false;
      let close = false;
      for (const line of lines.slice(1)) {
        const colon = line.indexOf(':');
        const name = line.slice(0, colon).trim().toLowerCase();
        const value = line.slice(colon + 1).trim().toLowerCase();
        if (name === 'content-length') length = Number(value);
        else if (name === 'transfer-encoding') chunked = value.includes('chunked');
        else if (name === 'connection') close = value === 'close';
      }
      // 1xx, 204 and 304 answers have no body; neither does one with no length that is not chunked.
      if ((status < 200 || status === 204 || status === 304 || (length === null && !chunked))) length = 0;
      this.head = { status, length, chunked, close, bodyStart: end + HEADER_END.length };
    }
    const body = this.body();
    if (body === null) return;
    const { status, close } = this.head;
    const exchange = this.exchange;
    this.reset();
    this.served++;
    exchange.done({ status, body: exchange.keepBody ? body.toString() : '' });
    if (close) this.destroy();
    else this.onIdle(this);
  }

  /** The whole body once it is in, or null while more is due. */
  private body(): Buffer | null {
    const { length, chunked, bodyStart } = this.head!;
    if (!chunked) return this.buffer.length - bodyStart >= length! ? this.buffer.subarray(bodyStart, bodyStart + length!) : null;
    const parts: Buffer[] = [];
    let at = bodyStart;
    for (;;) {
      const lineEnd = this.buffer.indexOf(CRLF, at);
      if (lineEnd < 0) return null;
      const size = parseInt(this.buffer.subarray(at, lineEnd).toString('latin1'), 16);
      const dataStart = lineEnd + CRLF.length;
      if (size === 0) return this.buffer.indexOf(HEADER_END, lineEnd) >= 0 || this.buffer.length >= dataStart + CRLF.length ? Buffer.concat(parts) : null;
      if (this.buffer.length < dataStart + size + CRLF.length) return null;
      parts.push(this.buffer.subarray(dataStart, dataStart + size));
      at = dataStart + size + CRLF.length;
    }
  }

  private reset(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.exchange = null;
    this.head = null;
    this.buffer = Buffer.alloc(0);
  }

  private fail(error: Error): void {
    const exchange = this.exchange;
    this.reset();
    this.destroy();
    exchange?.fail(error);
  }

  private close(): void {
    if (this.closed) return;
    this.closed = true;
    const unanswered = this.exchange;
    this.reset();
    this.onClosed(this, unanswered);
  }
}

export class HttpClient {
  private readonly idle: Connection[] = [];
  private readonly queued: Exchange[] = [];
  private open = 0;

  constructor(
    readonly port: number,
    private readonly token: string,
    private readonly maxSockets = 512,
    private readonly timeoutMs = 60_000,
  ) {}

  send(method: string, path: string, body?: string | Buffer, token = this.token, keepBody = true): Promise<Answer> {
    const text = body === undefined ? '' : typeof body === 'string' ? body : body.toString();
    const headers =
      `${method} ${path} HTTP/1.1\r\nHost: 127.0.0.1:${this.port}\r\nAuthorization: Bearer ${token}\r\n` +
      (body === undefined ? '' : `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(text)}\r\n`);
    return new Promise((done, fail) => this.dispatch({ request: `${headers}\r\n${text}`, keepBody, done, fail }));
  }

  async json<T = unknown>(method: string, path: string, body?: unknown, token = this.token): Promise<{ status: number; body: T }> {
    const answer = await this.send(method, path, body === undefined ? undefined : JSON.stringify(body), token);
    return { status: answer.status, body: answer.body ? (JSON.parse(answer.body) as T) : (undefined as T) };
  }

  close(): void {
    for (const connection of this.idle.splice(0)) connection.destroy();
  }

  private dispatch(exchange: Exchange): void {
    const connection = this.idle.pop();
    if (connection) return connection.start(exchange);
    if (this.open >= this.maxSockets) return void this.queued.push(exchange);
    this.open++;
    const fresh = new Connection(
      connect({ host: '127.0.0.1', port: this.port }),
      this.timeoutMs,
      (idle) => {
        const next = this.queued.shift();
        if (next) idle.start(next);
        else this.idle.push(idle);
      },
      (closed, unanswered) => {
        this.open--;
        const at = this.idle.indexOf(closed);
        if (at >= 0) this.idle.splice(at, 1);
        if (!unanswered) return;
        // The server may close a keep-alive socket as a request leaves on it: send that one again.
        if (closed.served > 0 && !unanswered.retried) this.dispatch({ ...unanswered, retried: true });
        else unanswered.fail(new Error('connection closed before an answer'));
      },
    );
    // A socket buffers what is written while it connects; a refused connection fails the request.
    fresh.start(exchange);
  }
}

/** Comments as a news site would send them: real texts, a few hundred articles, a few thousand authors. */
export class CommentFactory {
  private readonly random = randomGenerator(7);
  private next = 0;

  constructor(private readonly texts: string[]) {}

  make(externalId: string): Record<string, unknown> {
    const i = this.next++;
    const article = Math.floor(this.random() * 300);
    const author = Math.floor(this.random() * 5000);
    return {
      externalId,
      articleId: `article-${article}`,
      articleTitle: `Article ${article}`,
      articleUrl: `https://news.example/articles/${article}`,
      author: {
        id: `reader-${author}`,
        name: `Reader ${author}`,
        // Most sites send an e-mail and an IP (hashed on ingest); some also the account's age.
        ...(author % 4 !== 0 ? { email: `reader-${author}@mail.example`, ip: `198.51.${author % 256}.${(author >> 8) % 256}` } : {}),
        ...(author % 3 === 0 ? { accountCreatedAt: '2024-03-01T10:00:00Z', approvedCount: author % 40 } : {}),
      },
      body: this.texts[i % this.texts.length],
    };
  }
}

export interface RunResult {
  seconds: number;
  requests: number;
  /** Comments the API accepted (202s, or `accepted` counts of batch answers). */
  accepted: number;
  statuses: Record<string, number>;
  /** Request latency, ms. */
  latency: Distribution;
  /** The first unexpected answers, for the log. */
  samples: string[];
}

/**
 * Closed loop: `connections` senders, each sending its next request as soon as the last answered,
 * for `durationMs`. `send` returns the answer and how many comments it carried as accepted.
 */
export async function closedLoop(
  connections: number,
  durationMs: number,
  send: (sender: number) => Promise<{ status: number; accepted: number; body?: string }>,
): Promise<RunResult> {
  const statuses: Record<string, number> = {};
  const latencies: number[] = [];
  const samples: string[] = [];
  let accepted = 0;
  let requests = 0;
  const started = performance.now();
  const end = started + durationMs;
  await Promise.all(
    Array.from({ length: connections }, async (_, sender) => {
      while (performance.now() < end) {
        const at = performance.now();
        try {
          const answer = await send(sender);
          latencies.push(performance.now() - at);
          statuses[answer.status] = (statuses[answer.status] ?? 0) + 1;
          accepted += answer.accepted;
          if (answer.accepted === 0 && samples.length < 3) samples.push(`${answer.status} ${answer.body?.slice(0, 200) ?? ''}`);
        } catch (error) {
          statuses.error = (statuses.error ?? 0) + 1;
          if (samples.length < 3) samples.push((error as Error).message);
          await new Promise((r) => setTimeout(r, 10));
        }
        requests++;
      }
    }),
  );
  return { seconds: (performance.now() - started) / 1000, requests, accepted, statuses, latency: distribution(latencies), samples };
}

export interface OpenLoopResult {
  rate: number;
  seconds: number;
  /** Requests sent, and the epoch ms each was due to leave (the schedule, so a late send still counts from when it should have gone). */
  sent: number;
  dueAt: number[];
  accepted: number;
  statuses: Record<string, number>;
  latency: Distribution;
  /** Most requests waiting for an answer at once; a number that keeps growing means the API fell behind. */
  maxInFlight: number;
  /** Requests still unanswered when the schedule ended. */
  inFlightAtEnd: number;
  samples: string[];
}

/**
 * Open loop: request i leaves at start + i / rate (checked every millisecond or so), whatever the
 * earlier ones are doing. Waits for the answers after the schedule, up to `drainMs`. When more
 * than `maxInFlight` are outstanding, sends are skipped and counted as status "shed".
 */
export async function openLoop(
  rate: number,
  durationMs: number,
  send: (index: number) => Promise<{ status: number; accepted: number; body?: string }>,
  options: { maxInFlight?: number; drainMs?: number; onTick?: (elapsedMs: number) => void } = {},
): Promise<OpenLoopResult> {
  const limit = options.maxInFlight ?? 4096;
  const total = Math.round((rate * durationMs) / 1000);
  const statuses: Record<string, number> = {};
  const latencies: number[] = [];
  const samples: string[] = [];
  const dueAt: number[] = [];
  const pending = new Set<Promise<void>>();
  let accepted = 0;
  let inFlight = 0;
  let maxInFlight = 0;
  const startEpoch = Date.now();
  const start = performance.now();
  let index = 0;
  while (index < total) {
    const elapsed = performance.now() - start;
    const due = Math.min(total, Math.floor((elapsed * rate) / 1000) + 1);
    for (; index < due; index++) {
      const scheduled = (index * 1000) / rate;
      dueAt.push(startEpoch + scheduled);
      if (inFlight >= limit) {
        statuses.shed = (statuses.shed ?? 0) + 1;
        continue;
      }
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      const i = index;
      const job = send(i)
        .then((answer) => {
          latencies.push(performance.now() - (start + scheduled));
          statuses[answer.status] = (statuses[answer.status] ?? 0) + 1;
          accepted += answer.accepted;
          if (answer.accepted === 0 && samples.length < 3) samples.push(`${answer.status} ${answer.body?.slice(0, 200) ?? ''}`);
        })
        .catch((error: Error) => {
          statuses.error = (statuses.error ?? 0) + 1;
          if (samples.length < 3) samples.push(error.message);
        })
        .finally(() => {
          inFlight--;
          pending.delete(job);
        });
      pending.add(job);
    }
    options.onTick?.(elapsed);
    // Sleep until the next request is due (a timer cannot wait less than about a millisecond).
    const nextDue = (index * 1000) / rate - (performance.now() - start);
    await new Promise((r) => setTimeout(r, Math.max(0, Math.min(nextDue, 20))));
  }
  const inFlightAtEnd = inFlight;
  const seconds = (performance.now() - start) / 1000;
  const deadline = Date.now() + (options.drainMs ?? 30_000);
  while (pending.size > 0 && Date.now() < deadline) await Promise.race([...pending, new Promise((r) => setTimeout(r, 100))]);
  return {
    rate,
    seconds,
    sent: total,
    dueAt,
    accepted,
    statuses,
    latency: distribution(latencies),
    maxInFlight,
    inFlightAtEnd,
    samples,
  };
}
