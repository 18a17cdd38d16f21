/** Upload of a billing export; the intake runs in the background and its progress is polled. */
import { audit } from '../audit.js';
import { randomUUID } from 'node:crypto';
import { unlink } from 'node:fs/promises';
import { z } from 'zod';
import { createImportBatch } from '../../intake/import.js';
import { runIntake } from '../../intake/intake.js';
import type { AppDeps } from '../deps.js';
import { ApiError, notFound } from '../errors.js';
import { defineRoute, type Route } from '../route-table.js';
import { errorBodySchema, idParamsSchema, instantSchema } from '../schemas.js';

/** Largest export accepted, in bytes (a 100,000-row CSV is about 20 MB). */
export const MAX_UPLOAD_BYTES = 200 * 1024 * 1024;

const IMPORT_ROLES = ['manager', 'admin'] as const;
const importStatusSchema = z.enum(['running', 'succeeded', 'failed']);

export const importSummarySchema = z.object({
  id: z.uuid(),
  fileName: z.string(),
  format: z.enum(['csv', 'xlsx']),
  status: importStatusSchema,
  rowsRead: z.int(),
  goodRows: z.int(),
  badRows: z.int(),
  accountsUpserted: z.int(),
  invoicesChanged: z.int(),
  casesOpened: z.int(),
  failure: z.string().nullable(),
  startedAt: instantSchema,
  finishedAt: instantSchema.nullable(),
  createdBy: z.string(),
});
export type ImportSummary = z.infer<typeof importSummarySchema>;

const lineErrorSchema = z.object({ line: z.int(), field: z.string(), message: z.string() });

export const importDetailSchema = importSummarySchema.extend({
  errors: z.array(lineErrorSchema),
  errorsTruncated: z.boolean(),
});

export const importAcceptedSchema = z.object({ id: z.uuid(), status: z.literal('running') });

function batchView(b: {
  id: string;
  fileName: string;
  format: string;
  status: ImportSummary['status'];
  rowsRead: number;
  goodRows: number;
  badRows: number;
  accountsUpserted: number;
  invoicesChanged: number;
  casesOpened: number;
  failure: string | null;
  startedAt: Date;
  finishedAt: Date | null;
  createdBy: string;
}): ImportSummary {
  return {
    id: b.id,
    fileName: b.fileName,
    format: b.format === 'xlsx' ? 'xlsx' : 'csv',
    status: b.status,
    rowsRead: b.rowsRead,
    goodRows: b.goodRows,
    badRows: b.badRows,
    accountsUpserted: b.accountsUpserted,
    invoicesChanged: b.invoicesChanged,
    casesOpened: b.casesOpened,
    failure: b.failure,
    startedAt: b.startedAt.toISOString(),
    finishedAt: b.finishedAt?.toISOString() ?? null,
    createdBy: b.createdBy,
  };
}

const storedErrorsSchema = z
  .object({ items: z.array(lineErrorSchema), truncated: z.boolean() })
  .catch({ items: [], truncated: false });

export function importRoutes(deps: AppDeps): Route[] {
  return [
    defineRoute({
      method: 'post',
      path: '/api/imports/portfolio',
      summary: 'Importar una exportación de facturación (CSV o XLSX)',
      description:
        'Responde 202 de inmediato; la importación sigue en segundo plano y su avance se consulta en `Location`.',
      tags: ['importaciones'],
      roles: IMPORT_ROLES,
      multipart: {
        field: 'file',
        maxBytes: deps.maxUploadBytes ?? MAX_UPLOAD_BYTES,
        description: 'Archivo .csv, .txt o .xlsx exportado por facturación',
      },
      responses: { 202: importAcceptedSchema },
    }).handle(async ({ file, principal, req }) => {
      const upload = file!;
      if (!/\.(csv|txt|xlsx)$/i.test(upload.originalname)) {
        await unlink(upload.path).catch(() => undefined);
        throw new ApiError(400, 'invalid_request', 'Formato no admitido: use CSV o XLSX', {
          file: 'CSV o XLSX',
        });
      }
      const id = randomUUID();
      const format = /\.xlsx$/i.test(upload.originalname) ? 'xlsx' : 'csv';
      await createImportBatch(deps.pool, {
        id,
        fileName: upload.originalname,
        format,
        createdBy: principal.id,
      });
      await audit(deps.prisma, req, principal, {
        action: 'portfolio.import',
        entity: 'import',
        entityId: id,
        after: { fileName: upload.originalname, format, bytes: upload.size },
      });
      const policy = await deps.policy();
      void runIntake(
        { pool: deps.pool, temporal: deps.temporal, taskQueue: deps.taskQueue },
        { filePath: upload.path, fileName: upload.originalname, format },
        { createdBy: principal.id, batchId: id, policy, billingMirror: deps.billingMirror },
      )
        .then(({ import: report }) => {
          const failure = report.billingMirror?.failure;
          if (failure) deps.log.error({ importId: id, failure }, 'billing simulator not updated');
        })
        .catch(async (err: unknown) => {
          deps.log.error({ err, importId: id }, 'intake failed');
          await deps.pool
            .query(
              `UPDATE "ImportBatch" SET status = 'failed', failure = $2, "finishedAt" = now() WHERE id = $1 AND status = 'running'`,
              [id, `Error al importar: ${(err as Error).message}`],
            )
            .catch(() => undefined);
        })
        .finally(() => unlink(upload.path).catch(() => undefined));
      return {
        status: 202,
        headers: { location: `/api/imports/${id}` },
        body: { id, status: 'running' },
      };
    }),

    defineRoute({
      method: 'get',
      path: '/api/imports',
      summary: 'Las últimas 50 importaciones',
      tags: ['importaciones'],
      roles: IMPORT_ROLES,
      responses: { 200: z.object({ items: z.array(importSummarySchema) }) },
    }).handle(async () => {
      const rows = await deps.prisma.importBatch.findMany({
        orderBy: { startedAt: 'desc' },
        take: 50,
      });
      return { status: 200, body: { items: rows.map(batchView) } };
    }),

    defineRoute({
      method: 'get',
      path: '/api/imports/:id',
      summary: 'Avance y errores por línea de una importación',
      tags: ['importaciones'],
      roles: IMPORT_ROLES,
      request: { params: idParamsSchema },
      responses: { 200: importDetailSchema, 404: errorBodySchema },
    }).handle(async ({ params }) => {
      const b = await deps.prisma.importBatch.findUnique({ where: { id: params.id } });
      if (!b) throw notFound('La importación');
      const errors = storedErrorsSchema.parse(b.errors ?? undefined);
      return {
        status: 200,
        body: { ...batchView(b), errors: errors.items, errorsTruncated: errors.truncated },
      };
    }),
  ];
}
