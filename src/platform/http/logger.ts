import pino, { type Logger } from 'pino';
import { serializeError } from './error-serializer';

/**
 * Structured logs that never carry PHI: request bodies are never logged and these paths are
 * redacted wherever they appear, as a second line of defence.
 */
export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: 'careline-hub' },
      // Errors keep their SQL state and statement name but never bound values (see error-serializer).
      serializers: { err: serializeError },
      redact: {
        paths: [
          'req.headers.authorization',
          'req.headers.cookie',
          'req.headers["x-twilio-signature"]',
          'body',
          'text',
          'phone',
          'email',
          'to',
          'from',
          'password',
          'token',
          '*.body',
          '*.phone',
          '*.email',
          '*.to',
          '*.from',
          '*.password',
          '*.token',
        ],
        censor: '[redacted]',
      },
    },
    destination,
  );
}
