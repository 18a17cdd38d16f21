/**
 * The collections policy in force and its history. A manager changes it by sending only the
 * values that change (validated over the current version with the same strict rules as a
 * policy file, domain/policy.ts `resolvePolicy`); each change is a new version, audited with
 * the documents before and after. Cases opened afterwards run under the new version; running
 * cases keep the version they were opened with (it is part of their workflow input).
 */
import { z } from 'zod';
import {
  currentPolicy,
  listPolicyVersions,
  savePolicy,
  type PolicyRecord,
} from '../../activities/policy-store.js';
import { policySchema, resolvePolicy } from '../../domain/policy.js';
import { audit } from '../audit.js';
import { ROLES } from '../auth.js';
import type { AppDeps } from '../deps.js';
import { ApiError } from '../errors.js';
import { defineRoute, type Route } from '../route-table.js';
import { instantSchema } from '../schemas.js';

const versionInfo = {
  version: z.int().min(1),
  createdAt: instantSchema,
  createdBy: z
    .string()
    .nullable()
    .meta({ description: 'Nombre de quien la guardó; null si la guardó el sistema' }),
  note: z.string().nullable().meta({ description: 'Motivo del cambio' }),
};

export const policyVersionSchema = z.object({ ...versionInfo, policy: policySchema });
export const policyVersionListSchema = z.object({ items: z.array(z.object(versionInfo)) });

export const updatePolicyBodySchema = z.object({
  policy: z.record(z.string(), z.unknown()).meta({
    description:
      'Solo los valores que cambian, con la forma de la política (p. ej. `{ "agreement": { "maxInstalments": 18 } }`); una clave desconocida es un error',
  }),
  note: z.string().trim().min(3, 'indique el motivo del cambio').max(2000),
});
export type UpdatePolicyBody = z.infer<typeof updatePolicyBodySchema>;

/** `path: message` lines of resolvePolicy as field errors under `policy.` */
function policyFieldErrors(errors: string[]): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const line of errors) {
    const at = line.indexOf(': ');
    const path = at < 0 ? '(raíz)' : line.slice(0, at);
    const message = at < 0 ? line : line.slice(at + 2);
    fields[path === '(raíz)' ? 'policy' : `policy.${path}`] ??= message;
  }
  return fields;
}

export function policyRoutes(deps: AppDeps): Route[] {
  const { prisma } = deps;

  /** The newest stored version (what cases opened now get). */
  const inForce = async (): Promise<PolicyRecord> => (await currentPolicy(prisma)) ?? deps.policy();

  /** Names of the users who saved versions (ids that are not users stay null: the system). */
  const namesOf = async (ids: string[]) =>
    new Map(
      (
        await prisma.user.findMany({
          where: { id: { in: ids.filter((id) => z.uuid().safeParse(id).success) } },
          select: { id: true, displayName: true },
        })
      ).map((u) => [u.id, u.displayName]),
    );

  const info = (r: Omit<PolicyRecord, 'policy'>, names: Map<string, string>) => ({
    version: r.version,
    createdAt: r.createdAt.toISOString(),
    createdBy: names.get(r.createdBy) ?? null,
    note: r.reason || null,
  });

  const body = async (r: PolicyRecord) => ({
    ...info(r, await namesOf([r.createdBy])),
    policy: r.policy,
  });

  return [
    defineRoute({
      method: 'get',
      path: '/api/policy',
      summary: 'La política vigente: umbrales, plazos, tasas y cargos',
      description: 'La que reciben los casos que se abren ahora.',
      tags: ['política'],
      roles: ROLES,
      responses: { 200: policyVersionSchema },
    }).handle(async () => ({ status: 200, body: await body(await inForce()) })),

    defineRoute({
      method: 'get',
      path: '/api/policy/versions',
      summary: 'Historial de versiones de la política, la más reciente primero',
      tags: ['política'],
      roles: ['manager', 'admin'],
      responses: { 200: policyVersionListSchema },
    }).handle(async () => {
      const versions = await listPolicyVersions(prisma);
      const names = await namesOf([...new Set(versions.map((v) => v.createdBy))]);
      return { status: 200, body: { items: versions.map((v) => info(v, names)) } };
    }),

    defineRoute({
      method: 'put',
      path: '/api/policy',
      summary: 'Cambiar valores de la política (nueva versión)',
      description:
        'Se envían solo los valores que cambian; se validan sobre la versión vigente y una clave desconocida o un valor fuera de rango es un 400 con el campo. Los casos que se abran después usan la nueva versión; los casos en curso siguen con la suya. Sin cambios, responde la versión vigente.',
      tags: ['política'],
      roles: ['manager', 'admin'],
      request: { body: updatePolicyBodySchema },
      responses: { 200: policyVersionSchema },
    }).handle(async ({ body: b, principal, req }) => {
      const before = await inForce();
      const resolved = resolvePolicy(b.policy, before.policy);
      if (!resolved.ok)
        throw new ApiError(
          400,
          'invalid_policy',
          'La política tiene valores inválidos',
          policyFieldErrors(resolved.errors),
        );
      const saved = await savePolicy(prisma, resolved.policy, {
        source: 'api',
        reason: b.note,
        createdBy: principal.id,
      });
      if (saved.version !== before.version)
        await audit(prisma, req, principal, {
          action: 'policy.update',
          entity: 'policy',
          entityId: String(saved.version),
          before: { version: before.version, policy: before.policy },
          after: { version: saved.version, policy: saved.policy, note: b.note },
        });
      return { status: 200, body: await body(saved) };
    }),
  ];
}
