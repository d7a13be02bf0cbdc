import winston from 'winston';

/** JSON logs, one line per event; fields such as controller and object go in `meta`. */
export const log = winston.createLogger({
  level: process.env.MECM_LOG_LEVEL ?? 'info',
  format: winston.format.combine(winston.format.timestamp(), winston.format.json()),
  transports: [new winston.transports.Console()],
});
