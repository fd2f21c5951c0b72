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
