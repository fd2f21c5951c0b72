import { ConfigError, loadEnvironment } from '#app/config';

/**
 * Validates the environment before anything connects, so a bad or missing variable stops the
 * process with one message naming each of them instead of a stack trace from deep inside.
 */
export function validateEnvironmentOrExit(processName: string): void {
  process.env.TK_PROCESS = processName;
  try {
    loadEnvironment();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`threadkeeper ${processName}: ${error.message}\n`);
    process.exit(1);
  }
}
