import { ipv6Available } from '../libs/observability/src/bootstrap.js';
import { freePort, type RunningProcess, startProcess, stopProcesses, waitUntilReady } from './support/processes.js';

/** Whether a GET of the URL gets any HTTP answer (false when the connection is refused). */
const answers = (url: string) =>
  fetch(url).then(
    () => true,
    () => false,
  );

describe('where the processes listen', () => {
  const running: RunningProcess[] = [];
  afterAll(() => stopProcesses(running));

  it('by default on IPv6 and IPv4, the API and the worker alike', async () => {
    const [apiPort, workerPort] = [freePort(), freePort()];
    const api = startProcess('api', { ...process.env, LOG_LEVEL: 'info', PORT: String(apiPort), QUEUE_PREFIX: 'tk-test-listen' });
    const worker = startProcess('worker', { ...process.env, LOG_LEVEL: 'info', WORKER_PORT: String(workerPort), QUEUE_PREFIX: 'tk-test-listen' });
    running.push(api, worker);
    await waitUntilReady(api, 'the API', `http://127.0.0.1:${apiPort}/health/live`);
    await waitUntilReady(worker, 'the worker', `http://127.0.0.1:${workerPort}/health/live`);
    // Where the machine has no IPv6, the processes fall back to every IPv4 address.
    const address = (await ipv6Available()) ? '::' : '0.0.0.0';
    expect(api.output()).toContain(`API listening on ${address} port ${apiPort}`);
    expect(worker.output()).toContain(`health on ${address} port ${workerPort}`);
    if (address === '::') {
      expect((await fetch(`http://[::1]:${apiPort}/health/live`)).status).toBe(200);
      expect((await fetch(`http://[::1]:${workerPort}/health/live`)).status).toBe(200);
    }

    // A trailing slash names the same route.
    expect((await fetch(`http://127.0.0.1:${apiPort}/health/live/`)).status).toBe(200);
    const comment = await fetch(`http://127.0.0.1:${apiPort}/v1/comments/c-1/`);
    expect(comment.status).toBe(401);
    expect((await fetch(`http://127.0.0.1:${apiPort}/v1/no-such-thing/`)).status).toBe(404);
  });

  it('LISTEN_ADDRESS=127.0.0.1 keeps the API to this machine over IPv4', async () => {
    const port = freePort();
    const api = startProcess('api', { ...process.env, LOG_LEVEL: 'info', PORT: String(port), LISTEN_ADDRESS: '127.0.0.1', QUEUE_PREFIX: 'tk-test-listen' });
    running.push(api);
    await waitUntilReady(api, 'the API', `http://127.0.0.1:${port}/health/live`);
    expect(api.output()).toContain(`API listening on 127.0.0.1 port ${port}`);
    expect(await answers(`http://[::1]:${port}/health/live`)).toBe(false);
  });

  it('a LISTEN_ADDRESS that is not an address stops the process with a message naming it', async () => {
    const api = startProcess('api', { ...process.env, PORT: String(freePort()), LISTEN_ADDRESS: 'everywhere' });
    running.push(api);
    expect(await api.exited).toBe(1);
    expect(api.output()).toMatch(/LISTEN_ADDRESS \(invalid\): must be an IP address/);
  });
});
