/** The route table of the whole API: every route the app serves, in one list. */
import { z } from 'zod';
import type { Authenticator } from '../auth.js';
import type { AppDeps } from '../deps.js';
import { openApiDocument } from '../openapi.js';
import { defineRoute, type Route } from '../route-table.js';
import { DEFAULT_LOGIN_RATE_LIMIT } from '../security.js';
import { auditRoutes } from './audit.js';
import { agreementRoutes } from './agreements.js';
import { authRoutes } from './auth.js';
import { caseActionRoutes } from './case-actions.js';
import { caseRoutes } from './cases.js';
import { dashboardRoutes } from './dashboard.js';
import { documentRoutes } from './documents.js';
import { healthRoutes } from './health.js';
import { importRoutes } from './imports.js';
import { legalRoutes } from './legal.js';
import { letterRoutes } from './letters.js';
import { noticeRoutes } from './notices.js';
import { paymentRoutes } from './payments.js';
import { policyRoutes } from './policy.js';
import { portfolioRoutes } from './portfolios.js';
import { reportRoutes } from './reports.js';
import { scheduleRoutes } from './schedules.js';
import { taskRoutes } from './tasks.js';
import { userRoutes } from './users.js';

/** Version printed in the OpenAPI document. */
export const API_VERSION = '0.1.0';

export function routeTable(deps: AppDeps, auth: Authenticator): Route[] {
  const routes: Route[] = [
    ...healthRoutes(deps),
    ...authRoutes(auth, deps.loginRateLimit ?? DEFAULT_LOGIN_RATE_LIMIT, deps.prisma),
    ...caseRoutes(deps),
    ...caseActionRoutes(deps),
    ...agreementRoutes(deps),
    ...importRoutes(deps),
    ...paymentRoutes(deps),
    ...auditRoutes(deps),
    ...taskRoutes(deps),
    ...userRoutes(deps),
    ...policyRoutes(deps),
    ...portfolioRoutes(deps),
    ...dashboardRoutes(deps),
    ...legalRoutes(deps),
    ...noticeRoutes(deps),
    ...letterRoutes(deps),
    ...documentRoutes(deps),
    ...reportRoutes(deps),
    ...scheduleRoutes(deps),
  ];
  let document: unknown;
  routes.push(
    defineRoute({
      method: 'get',
      path: '/api/openapi.json',
      summary: 'Este documento OpenAPI 3.1',
      description: 'La referencia navegable está en /api/docs/.',
      tags: ['operación'],
      roles: 'public',
      responses: { 200: z.record(z.string(), z.unknown()).meta({ description: 'OpenAPI 3.1' }) },
    }).handle(() => {
      document ??= openApiDocument(routes, { version: API_VERSION });
      return { status: 200, body: document as Record<string, unknown> };
    }),
  );
  return routes;
}
