import { freePort, type RunningProcess, startProcess, stopProcesses, waitFor, waitUntilReady } from './support/processes.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** An API process at a log level, with the requests below sent to it. */
async function apiAt(level: string): Promise<{ api: RunningProcess; ids: Record<string, string | null> }> {
  const port = freePort();
  const api = startProcess('api', { ...process.env, LOG_LEVEL: level, PORT: String(port), QUEUE_PREFIX: `tk-test-logging-${level}` });
  const base = `http://127.0.0.1:${port}`;
  await waitUntilReady(api, 'the API', `${base}/health/ready`);
  const send = async (path: string, init: RequestInit = {}) => (await fetch(`${base}${path}`, init)).headers.get('x-request-id');
  const ids = {
    kept: await send('/v1/comments?externalId=x', { headers: { 'x-request-id': `kept-${level}` } }),
    replaced: await send('/v1/comments', { headers: { 'x-request-id': 'not an id!' } }),
    generated: await send('/health/live'),
    // Refused by the body parser, before any route runs: it has an id all the same.
    malformed: await send('/v1/comments', { method: 'POST', headers: { 'content-type': 'application/json', 'x-request-id': `malformed-${level}` }, body: '{' }),
  };
  return { api, ids };
}

/** A valid X-Request-Id is kept, others replaced, a missing one made; the malformed body's too. */
function expectIds(ids: Record<string, string | null>, level: string): void {
  expect(ids.kept).toBe(`kept-${level}`);
  expect(ids.replaced).toMatch(UUID);
  expect(ids.generated).toMatch(UUID);
  expect(ids.malformed).toBe(`malformed-${level}`);
}

const requestLines = (api: RunningProcess) =>
  api
    .output()
    .split('\n')
    .filter((line) => line.includes('"msg":"request completed"'))
    .map((line) => JSON.parse(line));

describe('request ids and request logging', () => {
  const running: RunningProcess[] = [];
  afterAll(() => stopProcesses(running));

  it('at info: keeps a valid X-Request-Id, else makes one, echoes it, and writes a line per request (no headers, no address)', async () => {
    const { api, ids } = await apiAt('info');
    running.push(api);
    expectIds(ids, 'info');
    await waitFor('the request lines', async () => requestLines(api).length >= 3);
    const lines = requestLines(api);
    expect(lines.map(({ req, res }) => ({ req, res }))).toEqual([
      { req: { id: 'kept-info', method: 'GET', url: '/v1/comments' }, res: { statusCode: 401 } },
      { req: { id: ids.replaced, method: 'GET', url: '/v1/comments' }, res: { statusCode: 401 } },
      { req: { id: 'malformed-info', method: 'POST', url: '/v1/comments' }, res: { statusCode: 400 } },
    ]);
    expect(lines[0]).toMatchObject({ level: 30, service: 'api', responseTime: expect.any(Number) });
  });

  it('at warn: the same ids, and no request lines', async () => {
    const { api, ids } = await apiAt('warn');
    running.push(api);
    expectIds(ids, 'warn');
    api.child.kill('SIGTERM');
    await api.exited;
    expect(requestLines(api)).toEqual([]);
  });
});
