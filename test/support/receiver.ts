import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedWebhook {
  headers: IncomingMessage['headers'];
  rawBody: string;
  body: { type: string; data: { article?: { id: string }; threadVersion?: number; comments?: unknown[]; comment?: unknown } };
  receivedAt: number;
}

/** A real HTTP server standing in for a site's article service; it can be told to fail. */
export class WebhookReceiver {
  readonly received: ReceivedWebhook[] = [];
  /** The status it answers with; 200 unless a test makes it fail. */
  status = 200;
  private server: Server | null = null;

  async start(): Promise<string> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const rawBody = Buffer.concat(chunks).toString('utf8');
        if (this.status >= 200 && this.status < 300) {
          this.received.push({ headers: req.headers, rawBody, body: JSON.parse(rawBody), receivedAt: Date.now() });
        }
        res.writeHead(this.status, { 'content-type': 'application/json' }).end(JSON.stringify({ ok: this.status < 300 }));
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/hooks`;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.server?.close(() => resolve()));
  }

  /** The latest thread delivered for an article (by highest version, as a receiver keeps it). */
  latestThread(articleId: string): ReceivedWebhook | undefined {
    return this.threads(articleId).sort((a, b) => b.body.data.threadVersion! - a.body.data.threadVersion!)[0];
  }

  threads(articleId: string): ReceivedWebhook[] {
    return this.received.filter((r) => r.body.type === 'thread.updated' && r.body.data.article?.id === articleId);
  }
}
