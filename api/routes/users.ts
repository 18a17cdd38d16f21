/** The people of the unit, for assignment pickers and portfolio screens (supervision, admin). */
import { z } from 'zod';
import { ROLES } from '../../domain/roles.js';
import type { AppDeps } from '../deps.js';
import { defineRoute, type Route } from '../route-table.js';
import { roleSchema } from '../schemas.js';

export const userListQuerySchema = z.object({
  role: z.enum(ROLES).optional().meta({ description: 'Solo usuarios de este rol' }),
});
export type UserListQuery = z.infer<typeof userListQuerySchema>;

export const userListItemSchema = z.object({
  id: z.uuid(),
  username: z.string(),
  displayName: z.string(),
  role: roleSchema,
  supervisorId: z.uuid().nullable(),
  active: z.boolean(),
});

export const userListSchema = z.object({ items: z.array(userListItemSchema) });

export function userRoutes(deps: AppDeps): Route[] {
  return [
    defineRoute({
      method: 'get',
      path: '/api/users',
      summary: 'Usuarios, por nombre (activos e inactivos)',
      tags: ['usuarios'],
      roles: ['manager', 'admin'],
      request: { query: userListQuerySchema },
      responses: { 200: userListSchema },
    }).handle(async ({ query }) => {
      const items = await deps.prisma.user.findMany({
        where: query.role ? { role: query.role } : {},
        select: {
          id: true,
          username: true,
          displayName: true,
          role: true,
          supervisorId: true,
          active: true,
        },
        orderBy: [{ displayName: 'asc' }, { id: 'asc' }],
      });
      return { status: 200, body: { items } };
    }),
  ];
}
