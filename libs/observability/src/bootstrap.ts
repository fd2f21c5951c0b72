import { createServer } from 'node:net';
import { ConfigError, type Environment, loadEnvironment } from '#app/config';
import { waitForDependencies } from './wait-for-dependencies.js';

/**
 * Start-up before Nest: validate the environment (a bad or missing variable stops the process
 * with one message naming each), then wait for PostgreSQL and Redis, logging each try.
 */
export async function prepareProcess(processName: string): Promise<Environment> {
  process.env.TK_PROCESS = processName;
  let env: Environment;
  try {
    env = loadEnvironment();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`threadkeeper ${processName}: ${error.message}\n`);
    process.exit(1);
  }
  const log = (line: string) =>
    process.stdout.write(`${JSON.stringify({ level: 30, time: Date.now(), service: processName, msg: line })}\n`);
  try {
    await waitForDependencies(env, log);
  } catch (error) {
    process.stderr.write(`threadkeeper ${processName}: ${(error as Error).message}\n`);
    process.exit(1);
  }
  return env;
}

/** What listenOn needs of a Nest application. */
interface Listener {
  listen(port: number, host: string): Promise<unknown>;
}

/** Whether this system can listen on IPv6: a throwaway server on a free port tells. */
export function ipv6Available(): Promise<boolean> {
  return new Promise((answer) => {
    const probe = createServer();
    probe.once('error', () => answer(false));
    probe.listen(0, '::', () => probe.close(() => answer(true)));
  });
}

/**
 * Listens on LISTEN_ADDRESS; `::` (the default) becomes every IPv4 address on a system without IPv6, as
 * Node's own default does. Answers the address listened on.
 */
export async function listenOn(app: Listener, port: number, host: string): Promise<string> {
  const address = host === '::' && !(await ipv6Available()) ? '0.0.0.0' : host;
  await app.listen(port, address);
  return address;
}
