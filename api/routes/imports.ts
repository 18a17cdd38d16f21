/** Upload of a billing export; the intake runs in the background and its progress is polled. */
import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { unlink } from 'node:fs/promises';
import { Router } from 'express';
import multer from 'multer';
import { z } from 'zod';
import { createImportBatch } from '../../intake/import.js';
import { runIntake } from '../../intake/intake.js';
import { requireRole } from '../auth.js';
import type { AppDeps } from '../deps.js';
import { ApiError, notFound } from '../errors.js';

/** Largest export accepted, in bytes (a 100,000-row CSV is about 20 MB). */
export const MAX_UPLOAD_BYTES = 200 * 1024 * 1024;

function batchView(b: {
  id: string;
  fileName: string;
  format: string;
  status: string;
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
}) {
  return {
    id: b.id,
    fileName: b.fileName,
    format: b.format,
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
  .object({
    items: z.array(z.object({ line: z.number(), field: z.string(), message: z.string() })),
    truncated: z.boolean(),
  })
  .catch({ items: [], truncated: false });

export function importRoutes(deps: AppDeps): Router {
  const r = Router();
  mkdirSync(deps.uploadDir, { recursive: true });
  const upload = multer({ dest: deps.uploadDir, limits: { fileSize: MAX_UPLOAD_BYTES, files: 1 } });
  const canImport = requireRole('manager', 'admin');

  r.post('/imports/portfolio', canImport, upload.single('file'), async (req, res) => {
    const file = req.file;
    if (!file)
      throw new ApiError(400, 'invalid_request', 'Adjunte el archivo en el campo "file"', {
        file: 'obligatorio',
      });
    if (!/\.(csv|txt|xlsx)$/i.test(file.originalname)) {
      await unlink(file.path).catch(() => undefined);
      throw new ApiError(400, 'invalid_request', 'Formato no admitido: use CSV o XLSX', {
        file: 'CSV o XLSX',
      });
    }
    const id = randomUUID();
    const format = /\.xlsx$/i.test(file.originalname) ? 'xlsx' : 'csv';
    await createImportBatch(deps.pool, {
      id,
      fileName: file.originalname,
      format,
      createdBy: req.principal!.id,
    });
    const policy = await deps.policy();
    void runIntake(
      { pool: deps.pool, temporal: deps.temporal, taskQueue: deps.taskQueue },
      { filePath: file.path, fileName: file.originalname, format },
      { createdBy: req.principal!.id, batchId: id, policy },
    )
      .catch(async (err: unknown) => {
        deps.log.error({ err, importId: id }, 'intake failed');
        await deps.pool
          .query(
            `UPDATE "ImportBatch" SET status = 'failed', failure = $2, "finishedAt" = now() WHERE id = $1 AND status = 'running'`,
            [id, `Error al importar: ${(err as Error).message}`],
          )
          .catch(() => undefined);
      })
      .finally(() => unlink(file.path).catch(() => undefined));
    res.status(202).location(`/api/imports/${id}`).json({ id, status: 'running' });
  });

  r.get('/imports', canImport, async (_req, res) => {
    const rows = await deps.prisma.importBatch.findMany({
      orderBy: { startedAt: 'desc' },
      take: 50,
    });
    res.json({ items: rows.map(batchView) });
  });

  r.get('/imports/:id', canImport, async (req, res) => {
    const id = z.uuid().safeParse(req.params.id);
    const b = id.success
      ? await deps.prisma.importBatch.findUnique({ where: { id: id.data } })
      : null;
    if (!b) throw notFound('La importación');
    const errors = storedErrorsSchema.parse(b.errors ?? undefined);
    res.json({ ...batchView(b), errors: errors.items, errorsTruncated: errors.truncated });
  });

  return r;
}
