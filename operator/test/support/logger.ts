import winston from 'winston';
import type { Logger } from '../../src/runtime/logger.js';

/** A logger for tests: silent unless MECM_TEST_LOG=debug|info|warn is set. */
export function testLogger(): Logger {
  const level = process.env.MECM_TEST_LOG;
  return winston.createLogger({
    level: level ?? 'error',
    silent: !level,
    format: winston.format.json(),
    transports: [new winston.transports.Console()],
  });
}
