/** The HTTP API and the web app, built from injected dependencies. */
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import path from 'node:path';
import express, { type Express } from 'express';
import { pinoHttp } from 'pino-http';
import { Authenticator } from './auth.js';
import type { AppDeps } from './deps.js';
import { docsPage } from './docs-page.js';
import { errorMapper, notFound } from './errors.js';
import { registerRoutes } from './route-table.js';
import { routeTable } from './routes/index.js';
import { securityHeaders } from './security.js';

export function createApp(deps: AppDeps): Express {
  const app = express();
  const auth = new Authenticator(deps.prisma, { apiKeys: deps.apiKeys ?? {} });
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
  app.use(securityHeaders());
  app.use('/api', express.json({ limit: '1mb' }));

  const routes = express.Router();
  registerRoutes(routes, routeTable(deps, auth), {
    auth,
    validateResponses: deps.validateResponses ?? true,
    uploadDir: deps.uploadDir,
  });
  app.use(routes);
  app.use(docsPage());
  app.use('/api', () => {
    throw notFound('La ruta');
  });

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
