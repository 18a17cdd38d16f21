/** The HTTP API and the web app, built from injected dependencies. */
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import path from 'node:path';
import express, { type Express } from 'express';
import { pinoHttp } from 'pino-http';
import { Authenticator, authenticate } from './auth.js';
import type { AppDeps } from './deps.js';
import { errorMapper, notFound } from './errors.js';
import { authRoutes } from './routes/auth.js';
import { caseRoutes } from './routes/cases.js';
import { importRoutes } from './routes/imports.js';

export function createApp(deps: AppDeps): Express {
  const app = express();
  const auth = new Authenticator(deps.prisma);
  app.disable('x-powered-by');
  app.set('trust proxy', 'loopback');
  app.use(
    pinoHttp({
      logger: deps.log,
      genReqId: (req, res) => {
        const id = (req.headers['x-request-id'] as string | undefined) ?? randomUUID();
        res.setHeader('x-request-id', id);
        return id;
      },
      // Only method, path and status: no bodies, no query strings (they may hold personal data).
      serializers: {
        req: (req: { id: string; method: string; url: string }) => ({
          id: req.id,
          method: req.method,
          path: req.url.split('?')[0],
        }),
        res: (res: { statusCode: number }) => ({ status: res.statusCode }),
      },
    }),
  );
  app.use((_req, res, next) => {
    res.setHeader('x-content-type-options', 'nosniff');
    res.setHeader('referrer-policy', 'no-referrer');
    res.setHeader('x-frame-options', 'DENY');
    next();
  });

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/readyz', async (_req, res) => {
    const checks = deps.readiness ? await deps.readiness() : {};
    const ready = Object.values(checks).every(Boolean);
    res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'not_ready', checks });
  });

  const api = express.Router();
  api.use(express.json({ limit: '1mb' }));
  api.use(authRoutes(auth));
  api.use(authenticate(auth));
  api.use(caseRoutes(deps));
  api.use(importRoutes(deps));
  api.use(() => {
    throw notFound('La ruta');
  });
  app.use('/api', api);

  if (deps.webDir && existsSync(path.join(deps.webDir, 'index.html'))) {
    const webDir = deps.webDir;
    app.use(express.static(webDir, { index: 'index.html', maxAge: '1h' }));
    app.get('/{*path}', (_req, res) => {
      res.sendFile(path.join(webDir, 'index.html'));
    });
  }
  app.use(errorMapper(deps.log));
  return app;
}
