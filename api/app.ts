/** The HTTP API and the web app, built from injected dependencies. */
import { existsSync } from 'node:fs';
import path from 'node:path';
import express, { type Express } from 'express';
import { Authenticator } from './auth.js';
import type { AppDeps } from './deps.js';
import { docsPage } from './docs-page.js';
import { errorMapper, notFound } from './errors.js';
import { appLogger, requestLogger } from './logging.js';
import { createMetrics, httpMetrics, metricsEndpoint } from './metrics.js';
import { registerRoutes } from './route-table.js';
import { routeTable } from './routes/index.js';
import { securityHeaders } from './security.js';

export function createApp(deps: AppDeps): Express {
  const app = express();
  const auth = new Authenticator(deps.prisma, { apiKeys: deps.apiKeys ?? {} });
  app.disable('x-powered-by');
  app.set('trust proxy', deps.trustProxy ?? 'loopback');
  // Errors are logged without their messages, requests without URL (api/logging.ts).
  const log = appLogger(deps.log);
  const metrics = deps.metrics ?? createMetrics();
  metrics.readFrom(deps.pool, log);
  app.use(httpMetrics(metrics));
  app.use(requestLogger(log));
  app.use(securityHeaders());
  app.use('/api', express.json({ limit: '1mb' }));

  const routes = express.Router();
  registerRoutes(routes, routeTable({ ...deps, log }, auth), {
    auth,
    validateResponses: deps.validateResponses ?? true,
    uploadDir: deps.uploadDir,
  });
  app.use(routes);
  app.get('/metrics', metricsEndpoint(metrics, { token: deps.metricsToken }));
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
  app.use(errorMapper(log));
  return app;
}
