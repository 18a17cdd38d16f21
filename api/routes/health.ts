/** Liveness and readiness, for the process supervisor and the load balancer. */
import { z } from 'zod';
import type { AppDeps } from '../deps.js';
import { defineRoute, type Route } from '../route-table.js';

const readinessSchema = z.object({
  status: z.enum(['ready', 'not_ready']),
  checks: z.record(z.string(), z.boolean()).meta({ description: 'Dependencia → responde' }),
});

export function healthRoutes(deps: AppDeps): Route[] {
  return [
    defineRoute({
      method: 'get',
      path: '/healthz',
      summary: 'El proceso está vivo',
      tags: ['operación'],
      roles: 'public',
      responses: { 200: z.object({ status: z.literal('ok') }) },
    }).handle(() => ({ status: 200, body: { status: 'ok' } })),
    defineRoute({
      method: 'get',
      path: '/readyz',
      summary: 'PostgreSQL y Temporal responden',
      tags: ['operación'],
      roles: 'public',
      responses: { 200: readinessSchema, 503: readinessSchema },
    }).handle(async () => {
      const checks = deps.readiness ? await deps.readiness() : {};
      const ready = Object.values(checks).every(Boolean);
      return ready
        ? { status: 200, body: { status: 'ready', checks } }
        : { status: 503, body: { status: 'not_ready', checks } };
    }),
  ];
}
