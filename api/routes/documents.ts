/**
 * Legal documents of a case (activities/documents.ts stores them): the list, and the PDF as
 * stored, with its SHA-256 as ETag. Whoever may see the case may see its documents.
 */
import { z } from 'zod';
import { DOCUMENT_KINDS } from '../../documents/index.js';
import { ROLES } from '../../domain/roles.js';
import type { AppDeps } from '../deps.js';
import { notFound } from '../errors.js';
import { defineRoute, fileResponse, type Route } from '../route-table.js';
import { errorBodySchema, idParamsSchema } from '../schemas.js';
import { caseScope } from './cases.js';

export const caseDocumentSchema = z.object({
  id: z.uuid(),
  kind: z.enum(DOCUMENT_KINDS),
  number: z.string(),
  title: z.string(),
  fileName: z.string(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  sizeBytes: z.int(),
  pages: z.int(),
  createdAt: z.iso.datetime(),
  /** Where to download it. */
  url: z.string(),
});

const documentListSchema = z.object({ documents: z.array(caseDocumentSchema) });

export function documentRoutes(deps: AppDeps): Route[] {
  return [
    defineRoute({
      method: 'get',
      path: '/api/cases/:id/documents',
      summary: 'Documentos emitidos en un caso (títulos, avisos, órdenes, convenios…)',
      description: 'Del más reciente al más antiguo, con su SHA-256 y el enlace de descarga.',
      tags: ['documentos'],
      roles: ROLES,
      request: { params: idParamsSchema },
      responses: { 200: documentListSchema, 404: errorBodySchema },
    }).handle(async ({ params, principal }) => {
      const c = await deps.prisma.case.findFirst({
        where: { AND: [{ id: params.id }, caseScope(principal)] },
        select: { id: true },
      });
      if (!c) throw notFound('El caso');
      const rows = await deps.prisma.document.findMany({
        where: { caseId: c.id },
        orderBy: [{ createdAt: 'desc' }, { number: 'desc' }],
        omit: { bytes: true },
      });
      return {
        status: 200,
        body: {
          documents: rows.map((d) => ({
            id: d.id,
            kind: d.kind as (typeof DOCUMENT_KINDS)[number],
            number: d.number,
            title: d.title,
            fileName: d.fileName,
            sha256: d.sha256,
            sizeBytes: d.sizeBytes,
            pages: d.pages,
            createdAt: d.createdAt.toISOString(),
            url: `/api/documents/${d.id}/pdf`,
          })),
        },
      };
    }),

    defineRoute({
      method: 'get',
      path: '/api/documents/:id/pdf',
      summary: 'Descargar un documento en PDF',
      description:
        'Los bytes tal como se emitieron; ETag = SHA-256 del archivo (If-None-Match responde 304).',
      tags: ['documentos'],
      roles: ROLES,
      request: { params: idParamsSchema },
      responses: {
        200: fileResponse('application/pdf', 'El documento en PDF'),
        304: null,
        404: errorBodySchema,
      },
    }).handle(async ({ params, principal, req }) => {
      const doc = await deps.prisma.document.findFirst({
        where: { id: params.id, case: caseScope(principal) },
      });
      if (!doc) throw notFound('El documento');
      const etag = `"${doc.sha256}"`;
      const headers = {
        ETag: etag,
        'Cache-Control': 'private, no-cache',
      };
      if (req.get('if-none-match') === etag) return { status: 304, headers };
      return {
        status: 200,
        headers: {
          ...headers,
          'Content-Type': 'application/pdf',
          'Content-Length': String(doc.bytes.length),
          'Content-Disposition': `attachment; filename="${doc.fileName}"`,
        },
        body: Buffer.from(doc.bytes),
      };
    }),
  ];
}
