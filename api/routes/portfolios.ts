/**
 * Portfolios (carteras): which collector owns each sector, or one route of a sector. New cases
 * go to the collector of the account's route if that route has its own assignment, else to the
 * sector's (activities/case-store.ts `recordCaseOpened`). Changing an owner can move the open
 * cases of that portfolio too, each one through the same code as POST /api/cases/:id/assign
 * (the case workflow's update moves its tasks and writes the timeline; audited per case).
 */
import { z } from 'zod';
import { toDecimalString } from '../../domain/money.js';
import { audit } from '../audit.js';
import type { AppDeps } from '../deps.js';
import { ApiError, businessRule, fromTemporal } from '../errors.js';
import { defineRoute, type Route } from '../route-table.js';
import { errorBodySchema, moneySchema } from '../schemas.js';
import { assignCase } from './case-actions.js';

export const portfolioItemSchema = z.object({
  sector: z.string(),
  route: z
    .string()
    .nullable()
    .meta({ description: 'null: todo el sector (salvo las rutas con cartera propia)' }),
  collector: z.object({ id: z.uuid(), displayName: z.string() }).nullable(),
  openCases: z.int().meta({ description: 'Casos abiertos de las cuentas de esta cartera' }),
  balance: moneySchema,
});
export type PortfolioItem = z.infer<typeof portfolioItemSchema>;

export const portfolioListSchema = z.object({ items: z.array(portfolioItemSchema) });

export const assignPortfolioBodySchema = z.object({
  sector: z.string().trim().min(1).max(100),
  route: z.string().trim().min(1).max(100).nullable().optional().meta({
    description: 'Una ruta del sector; sin valor o null: el sector entero',
  }),
  collectorId: z.uuid().nullable().meta({ description: 'null: la cartera queda sin gestor' }),
  reassignOpenCases: z.boolean().default(true).meta({
    description:
      'Pasar también los casos abiertos de la cartera al gestor (como POST /api/cases/{id}/assign). Con collectorId null los casos conservan su gestor',
  }),
});
export type AssignPortfolioBody = z.infer<typeof assignPortfolioBodySchema>;

export const assignPortfolioResultSchema = portfolioItemSchema.extend({
  reassignment: z
    .object({
      moved: z.int(),
      failed: z
        .array(z.object({ caseId: z.uuid(), message: z.string() }))
        .meta({ description: 'Casos que el flujo no aceptó mover (siguen con su gestor)' }),
    })
    .nullable()
    .meta({ description: 'null si no se pidió mover casos' }),
});

/** How many case moves run at once (each is a workflow update and two queries). */
const MOVE_CONCURRENCY = 4;

interface PortfolioRow {
  sector: string;
  route: string;
  collectorId: string | null;
  displayName: string | null;
  openCases: number;
  balanceCents: bigint;
}

/**
 * Every portfolio: each assignment row and each sector known from the accounts. An account
 * counts under its route's row when that route has its own assignment, else under its sector.
 */
async function portfolioRows(deps: AppDeps): Promise<PortfolioRow[]> {
  return deps.prisma.$queryRaw<PortfolioRow[]>`
    WITH keys AS (
      SELECT sector, route FROM "PortfolioAssignment"
      UNION
      SELECT DISTINCT sector, '' FROM "Account"
    ),
    open_cases AS (
      SELECT a.sector,
             CASE WHEN own.id IS NULL THEN '' ELSE a.route END AS route,
             count(*)::int AS cases,
             sum(c."balanceCents")::bigint AS cents
      FROM "Case" c
      JOIN "Account" a ON a.id = c."accountId"
      LEFT JOIN "PortfolioAssignment" own
        ON own.sector = a.sector AND own.route = a.route AND a.route <> ''
      WHERE c.status = 'open'
      GROUP BY 1, 2
    )
    SELECT k.sector, k.route, u.id AS "collectorId", u."displayName",
           coalesce(o.cases, 0)::int AS "openCases", coalesce(o.cents, 0)::bigint AS "balanceCents"
    FROM keys k
    LEFT JOIN "PortfolioAssignment" p ON p.sector = k.sector AND p.route = k.route
    LEFT JOIN "User" u ON u.id = p."userId"
    LEFT JOIN open_cases o ON o.sector = k.sector AND o.route = k.route
    ORDER BY k.sector, k.route`;
}

const itemOf = (r: PortfolioRow): PortfolioItem => ({
  sector: r.sector,
  route: r.route === '' ? null : r.route,
  collector:
    r.collectorId && r.displayName ? { id: r.collectorId, displayName: r.displayName } : null,
  openCases: r.openCases,
  balance: toDecimalString(Number(r.balanceCents)),
});

/** Open cases of a portfolio whose collector is not `collectorId` (the ones to move). */
async function casesToMove(
  deps: AppDeps,
  sector: string,
  route: string,
  collectorId: string,
): Promise<string[]> {
  const rows = await deps.prisma.$queryRaw<{ id: string }[]>`
    SELECT c.id FROM "Case" c
    JOIN "Account" a ON a.id = c."accountId"
    WHERE c.status = 'open' AND a.sector = ${sector}
      AND c."assignedCollectorId" IS DISTINCT FROM ${collectorId}::uuid
      AND (CASE WHEN ${route} = ''
             THEN NOT EXISTS (SELECT 1 FROM "PortfolioAssignment" own
                              WHERE own.sector = a.sector AND own.route = a.route
                                AND a.route <> '')
             ELSE a.route = ${route} END)
    ORDER BY c.priority DESC, c.id`;
  return rows.map((r) => r.id);
}

export function portfolioRoutes(deps: AppDeps): Route[] {
  return [
    defineRoute({
      method: 'get',
      path: '/api/portfolios',
      summary: 'Carteras: gestor de cada sector (o ruta), casos abiertos y saldo',
      description:
        'Cada sector de las cuentas y cada asignación guardada. Una ruta con cartera propia cuenta aparte de su sector.',
      tags: ['carteras'],
      roles: ['manager', 'admin'],
      responses: { 200: portfolioListSchema },
    }).handle(async () => ({
      status: 200,
      body: { items: (await portfolioRows(deps)).map(itemOf) },
    })),

    defineRoute({
      method: 'put',
      path: '/api/portfolios',
      summary: 'Asignar (o dejar sin gestor) la cartera de un sector o ruta',
      description:
        'Los casos que se abran después van al nuevo gestor. Con reassignOpenCases (por omisión) los casos abiertos de la cartera pasan también, uno a uno por el flujo del caso como en POST /api/cases/{id}/assign. 422 si el usuario no es un gestor activo.',
      tags: ['carteras'],
      roles: ['manager', 'admin'],
      request: { body: assignPortfolioBodySchema },
      responses: { 200: assignPortfolioResultSchema, 422: errorBodySchema },
    }).handle(async ({ body: b, principal, req }) => {
      const route = b.route ?? '';
      if (b.collectorId !== null) {
        const u = await deps.prisma.user.findUnique({ where: { id: b.collectorId } });
        if (!u || u.role !== 'collector' || !u.active)
          throw businessRule('El usuario indicado no es un gestor activo');
      }
      const key = { sector_route: { sector: b.sector, route } };
      const before = await deps.prisma.portfolioAssignment.findUnique({ where: key });
      if (b.collectorId === null)
        await deps.prisma.portfolioAssignment.deleteMany({ where: key.sector_route });
      else
        await deps.prisma.portfolioAssignment.upsert({
          where: key,
          create: { sector: b.sector, route, userId: b.collectorId },
          update: { userId: b.collectorId },
        });

      let reassignment: { moved: number; failed: { caseId: string; message: string }[] } | null =
        null;
      if (b.reassignOpenCases && b.collectorId !== null) {
        const collectorId = b.collectorId;
        const queue = await casesToMove(deps, b.sector, route, collectorId);
        const done = { moved: 0, failed: [] as { caseId: string; message: string }[] };
        const worker = async () => {
          for (let id = queue.shift(); id !== undefined; id = queue.shift()) {
            try {
              await assignCase(deps, { principal, req, caseId: id }, collectorId);
              done.moved += 1;
            } catch (err) {
              // A case that closed or whose workflow refused stays as it was; the rest move.
              const known = err instanceof ApiError ? err : fromTemporal(err);
              if (!known) deps.log.warn({ err, reqId: req.id }, 'portfolio move: case not moved');
              const message = known?.message ?? 'el flujo del caso no respondió';
              done.failed.push({ caseId: id, message });
            }
          }
        };
        await Promise.all(Array.from({ length: MOVE_CONCURRENCY }, worker));
        reassignment = done;
      }

      const rows = await portfolioRows(deps);
      const row = rows.find((r) => r.sector === b.sector && r.route === route);
      const item: PortfolioItem = row
        ? itemOf(row)
        : {
            sector: b.sector,
            route: b.route ?? null,
            collector: null,
            openCases: 0,
            balance: '0.00',
          };
      await audit(deps.prisma, req, principal, {
        action: 'portfolio.assign',
        entity: 'portfolio',
        entityId: route ? `${b.sector}/${route}` : b.sector,
        before: { collectorId: before?.userId ?? null },
        after: {
          collectorId: b.collectorId,
          reassignOpenCases: b.reassignOpenCases,
          moved: reassignment?.moved ?? 0,
          failed: reassignment?.failed.length ?? 0,
        },
      });
      return { status: 200, body: { ...item, reassignment } };
    }),
  ];
}
