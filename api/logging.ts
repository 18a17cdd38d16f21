/**
 * Application logs without personal data. Request logs carry only the request id, method,
 * route pattern, status and duration (no URL, query, headers, bodies or client address), and
 * errors are logged by type, code and stack frames: their messages often quote data (a
 * workflow id holds the account number, a database error the values) and are left out.
 */
import { randomUUID } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import type { Request, RequestHandler } from 'express';
import type { Logger } from 'pino';
import { pinoHttp } from 'pino-http';
import { routePattern } from './metrics.js';

/** A caller's `x-request-id` is kept only when it looks like an id, never free text. */
const REQUEST_ID = /^[\w.:-]{1,128}$/;

const shortCode = (v: unknown) =>
  (typeof v === 'string' && v.length <= 64) || typeof v === 'number' ? v : undefined;

/** An error as logged: type, code, failure type (Temporal) and stack frames; no message. */
export function errorWithoutData(err: unknown): Record<string, unknown> {
  if (typeof err !== 'object' || err === null) return { type: typeof err };
  const e = err as {
    name?: unknown;
    code?: unknown;
    type?: unknown;
    stack?: unknown;
    cause?: unknown;
  };
  const frames =
    typeof e.stack === 'string'
      ? e.stack
          .split('\n')
          .filter((l) => /^\s+at /.test(l))
          .map((l) => l.trim())
      : undefined;
  const cause = e.cause as { name?: unknown; type?: unknown } | undefined;
  return {
    type: typeof e.name === 'string' ? e.name : 'Error',
    code: shortCode(e.code),
    failureType: shortCode(e.type),
    cause:
      cause && typeof cause === 'object'
        ? { type: shortCode(cause.name), failureType: shortCode(cause.type) }
        : undefined,
    frames,
  };
}

/** The app's logger: `err` fields go through {@link errorWithoutData}. */
export function appLogger(base: Logger): Logger {
  return base.child({}, { serializers: { err: errorWithoutData } });
}

/** pino-http over `log`, with the request id echoed in `x-request-id`. */
export function requestLogger(log: Logger): RequestHandler {
  return pinoHttp({
    logger: log,
    genReqId: (req, res) => {
      const given = req.headers['x-request-id'];
      const id = typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
      res.setHeader('x-request-id', id);
      return id;
    },
    wrapSerializers: false,
    serializers: {
      req: (req: { id: string; method: string }) => ({ id: req.id, method: req.method }),
      // Serialised when the answer is logged, after routing: the pattern is known by then.
      res: (res: ServerResponse & { req: Request }) => ({
        route: routePattern(res.req),
        status: res.statusCode,
      }),
      err: errorWithoutData,
    },
    customAttributeKeys: { responseTime: 'durationMs' },
  });
}
