import type { INestApplicationContext, LoggerService } from '@nestjs/common';
import { ShutdownState } from './shutdown-state.js';

export interface ShutdownOptions {
  logger: LoggerService;
  graceSeconds: number;
  /** Runs after readiness is off and before the application closes: finish in-flight work here. */
  drain?: () => Promise<void>;
}

/**
 * On SIGTERM or SIGINT: readiness off first (load balancers stop sending work), then drain, then
 * close every module (connections last). Past the grace period the process exits anyway.
 */
export function shutdownOnSignals(app: INestApplicationContext, options: ShutdownOptions): void {
  let closing = false;
  const close = async (signal: string) => {
    if (closing) return;
    closing = true;
    options.logger.log(`${signal} received: shutting down`);
    app.get(ShutdownState).beginShutdown();
    const timer = setTimeout(() => {
      options.logger.error(`shutdown took longer than ${options.graceSeconds}s; exiting anyway`);
      process.exit(1);
    }, options.graceSeconds * 1000);
    timer.unref();
    try {
      await options.drain?.();
      await app.close();
      options.logger.log('shutdown complete');
      process.exit(0);
    } catch (error) {
      options.logger.error(`shutdown failed: ${(error as Error).stack ?? String(error)}`);
      process.exit(1);
    }
  };
  process.once('SIGTERM', () => void close('SIGTERM'));
  process.once('SIGINT', () => void close('SIGINT'));
}
