/**
 * The load side of tools/bench.ts: a small HTTP client on node:http with keep-alive sockets,
 * closed-loop runs (N connections, each sends its next request when the last one answered) and
 * open-loop runs (requests leave on a fixed schedule whatever the answers do, so a slow server
 * shows up as latency rather than as a politely lower rate).
 */
import { Agent, request } from 'node:http';
import { distribution, type Distribution, randomGenerator } from './bench-support.js';

export interface Answer {
  status: number;
  body: string;
}

export class HttpClient {
  readonly agent: Agent;

  constructor(
    readonly port: number,
    private readonly token: string,
    maxSockets = 512,
    private readonly timeoutMs = 60_000,
  ) {
    this.agent = new Agent({ keepAlive: true, maxSockets, maxFreeSockets: maxSockets, scheduling: 'lifo' });
  }

  send(method: string, path: string, body?: string | Buffer, token = this.token, keepBody = true): Promise<Answer> {
    return new Promise((done, fail) => {
      const data = body === undefined ? undefined : typeof body === 'string' ? Buffer.from(body) : body;
      const req = request(
        {
          host: '127.0.0.1',
          port: this.port,
          path,
          method,
          agent: this.agent,
          headers: {
            authorization: `Bearer ${token}`,
            ...(data ? { 'content-type': 'application/json', 'content-length': data.length } : {}),
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          if (keepBody) res.on('data', (chunk: Buffer) => chunks.push(chunk));
          else res.resume();
          res.on('end', () => done({ status: res.statusCode ?? 0, body: keepBody ? Buffer.concat(chunks).toString() : '' }));
          res.on('error', fail);
        },
      );
      req.on('error', fail);
      // A request the server never answers fails the send rather than stalling a run.
      req.setTimeout(this.timeoutMs, () => req.destroy(new Error(`no answer within ${this.timeoutMs} ms`)));
      req.end(data);
    });
  }

  async json<T = unknown>(method: string, path: string, body?: unknown, token = this.token): Promise<{ status: number; body: T }> {
    const answer = await this.send(method, path, body === undefined ? undefined : JSON.stringify(body), token);
    return { status: answer.status, body: answer.body ? (JSON.parse(answer.body) as T) : (undefined as T) };
  }

  close(): void {
    this.agent.destroy();
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
