import winston from 'winston';

export type LogFormat = 'json' | 'text';
export type Logger = winston.Logger;

/** Logs to stderr (stdout carries results only): JSON lines, or `text` for people. */
export function createLogger(format: LogFormat = 'json', fields: Record<string, unknown> = {}): Logger {
  return winston.createLogger({
    level: process.env.ORKESTRA_LOG_LEVEL ?? 'info',
    defaultMeta: fields,
    format:
      format === 'json'
        ? winston.format.combine(winston.format.timestamp(), winston.format.json())
        : winston.format.combine(
            winston.format.timestamp({ format: 'HH:mm:ss.SSS' }),
            winston.format.printf(({ timestamp, level, message, ...rest }) => {
              const extra = Object.entries(rest)
                .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
                .join(' ');
              return `${timestamp} ${level.toUpperCase()} ${message}${extra ? ` ${extra}` : ''}`;
            }),
          ),
    transports: [new winston.transports.Stream({ stream: process.stderr })],
  });
}
