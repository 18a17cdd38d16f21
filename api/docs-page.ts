/**
 * The browsable API reference at /api/docs: Swagger UI from the swagger-ui-dist package's own
 * files (no CDN), reading /api/openapi.json. Scripts are files, not inline, so the CSP holds.
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import express, { Router } from 'express';

const SWAGGER_UI_DIR = path.dirname(
  createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'),
);

const PAGE = `<!doctype html>
<html lang="es">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <title>Cartera · Referencia de la API</title>
    <link rel="stylesheet" href="./swagger-ui.css" />
    <link rel="icon" type="image/png" href="./favicon-32x32.png" sizes="32x32" />
  </head>
  <body>
    <div id="swagger-ui"></div>
    <script src="./swagger-ui-bundle.js"></script>
    <script src="./init.js"></script>
  </body>
</html>
`;

const INIT = `window.ui = SwaggerUIBundle({
  url: '/api/openapi.json',
  dom_id: '#swagger-ui',
  deepLinking: true,
  persistAuthorization: false,
  presets: [SwaggerUIBundle.presets.apis],
  layout: 'BaseLayout',
});
`;

const ASSETS = new Set([
  '/swagger-ui-bundle.js',
  '/swagger-ui.css',
  '/favicon-32x32.png',
  '/favicon-16x16.png',
]);

/** Serves the reference page under `/api/docs/`. */
export function docsPage(): Router {
  const r = Router();
  r.get('/api/docs', (req, res, next) => {
    // Relative asset URLs need the trailing slash.
    if (req.path.endsWith('/')) return next();
    res.redirect(301, '/api/docs/');
  });
  r.get('/api/docs/', (_req, res) => {
    res.type('html').send(PAGE);
  });
  r.get('/api/docs/init.js', (_req, res) => {
    res.type('application/javascript').send(INIT);
  });
  const assets = express.static(SWAGGER_UI_DIR, { index: false, maxAge: '1d' });
  // Only the browser bundle, its stylesheet and icons; not the package's other files.
  r.use('/api/docs', (req, res, next) => {
    if (!ASSETS.has(req.path)) return next();
    assets(req, res, next);
  });
  return r;
}
