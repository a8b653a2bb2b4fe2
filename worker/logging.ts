// One logger for the worker process: pino (structured JSON, cheap), shared by the boot gateway and, through a small
// bridge, by the Temporal SDK runtime, so worker, workflow and gateway lines land in one stream with one format.
import { DefaultLogger, type LogLevel, type LogMetadata } from '@temporalio/worker';
import pino, { type Logger } from 'pino';

export function createLogger(level: string): Logger {
  return pino({ level, base: { service: 'bootshift-worker' } });
}

const toPino: Record<LogLevel, 'trace' | 'debug' | 'info' | 'warn' | 'error'> = {
  TRACE: 'trace',
  DEBUG: 'debug',
  INFO: 'info',
  WARN: 'warn',
  ERROR: 'error',
};

export function temporalLogger(logger: Logger, level: LogLevel): DefaultLogger {
  return new DefaultLogger(level, ({ level: l, message, meta }: { level: LogLevel; message: string; meta?: LogMetadata }) => {
    logger[toPino[l]](meta ?? {}, message);
  });
}
