/**
 * The dashboard's reports as files (reports/export.ts): XLSX with the filter and the time it
 * was generated, or CSV. Same filters and defaults as GET /api/dashboard.
 */
import { z } from 'zod';
import { toLocalDate } from '../../domain/calendar.js';
import type { KpiScope } from '../../reports/kpis.js';
import {
  REPORT_NAMES,
  buildReport,
  describeFilter,
  reportToCsv,
  reportToXlsx,
  type ReportFilter,
} from '../../reports/export.js';
import type { AppDeps } from '../deps.js';
import { ApiError } from '../errors.js';
import { defineRoute, fileResponse, type Route } from '../route-table.js';
import { errorBodySchema } from '../schemas.js';
import { dashboardQuerySchema, defaultFrom, type DashboardQuery } from './dashboard.js';

const XLSX_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

const reportParamsSchema = z.object({
  name: z.enum(REPORT_NAMES).meta({
    description:
      'cartera (todas las hojas), morosidad, antiguedad, embudo, recuperacion, recuperacion-sectores, recuperacion-gestores, productividad, compromisos, rodamiento (rodamiento y cura por tramo), suspensiones (suspensiones y reconexiones con sus tiempos), titulos-coactivas (títulos emitidos, notificados y pagados; coactivas abiertas y recuperado)',
  }),
});

async function filterFor(deps: AppDeps, q: DashboardQuery): Promise<ReportFilter> {
  const today = toLocalDate(new Date());
  const to = q.to ?? today;
  const scope: KpiScope = {
    from: q.from ?? defaultFrom(to),
    to,
    today,
    sector: q.sector ?? null,
    collectorId: q.collectorId ?? null,
  };
  const collector = q.collectorId
    ? await deps.prisma.user.findUnique({
        where: { id: q.collectorId },
        select: { displayName: true },
      })
    : null;
  return { scope, collectorName: collector?.displayName ?? null };
}

/** `cartera-2026-01-01_2026-03-31.xlsx`: ASCII, safe in Content-Disposition. */
function fileName(name: string, f: ReportFilter, ext: string): string {
  return `${name}-${f.scope.from}_${f.scope.to}.${ext}`;
}

export function reportRoutes(deps: AppDeps): Route[] {
  const description =
    'Las cifras de GET /api/dashboard con los mismos filtros; el dinero en dólares con dos decimales y una fila de totales.';
  return [
    defineRoute({
      method: 'get',
      path: '/api/reports/:name.xlsx',
      summary: 'Informe en Excel (XLSX), con el filtro usado y la hora de generación',
      description: `${description} «cartera» trae una hoja por informe (el informe mensual de cartera).`,
      tags: ['indicadores'],
      roles: ['manager', 'admin'],
      request: { params: reportParamsSchema, query: dashboardQuerySchema },
      responses: { 200: fileResponse(XLSX_TYPE, 'El libro de Excel') },
    }).handle(async ({ params, query }) => {
      const filter = await filterFor(deps, query);
      const report = await buildReport(deps.prisma, params.name, filter.scope);
      const bytes = await reportToXlsx(report, filter, new Date());
      return {
        status: 200,
        headers: {
          'Content-Type': XLSX_TYPE,
          'Content-Disposition': `attachment; filename="${fileName(params.name, filter, 'xlsx')}"`,
          'Cache-Control': 'no-store',
        },
        body: bytes,
      };
    }),

    defineRoute({
      method: 'get',
      path: '/api/reports/:name.csv',
      summary: 'Informe en CSV (UTF-8 con BOM, separado por comas)',
      description: `${description} «cartera» tiene varias tablas: solo en XLSX. El filtro va en la cabecera X-Report-Filter.`,
      tags: ['indicadores'],
      roles: ['manager', 'admin'],
      request: { params: reportParamsSchema, query: dashboardQuerySchema },
      responses: { 200: fileResponse('text/csv', 'El informe en CSV'), 422: errorBodySchema },
    }).handle(async ({ params, query }) => {
      if (params.name === 'cartera')
        throw new ApiError(
          422,
          'business_rule',
          'El informe de cartera tiene varias tablas: descárguelo en XLSX',
        );
      const filter = await filterFor(deps, query);
      const report = await buildReport(deps.prisma, params.name, filter.scope);
      return {
        status: 200,
        headers: {
          'Content-Type': 'text/csv; charset=utf-8',
          'Content-Disposition': `attachment; filename="${fileName(params.name, filter, 'csv')}"`,
          // Header values are Latin-1: the filter travels percent-encoded.
          'X-Report-Filter': encodeURIComponent(describeFilter(filter)),
          'Cache-Control': 'no-store',
        },
        body: reportToCsv(report),
      };
    }),
  ];
}
