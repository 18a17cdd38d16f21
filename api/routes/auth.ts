/** Sign-in, sign-out, who-am-I and password change. */
import { audit } from '../audit.js';
import type { PrismaClient } from '../../prisma/client.js';
import { z } from 'zod';
import { ROLES } from '../../domain/roles.js';
import { MIN_PASSWORD_LENGTH, bearerToken, type Authenticator } from '../auth.js';
import { ApiError, unauthorised } from '../errors.js';
import { defineRoute, type Route } from '../route-table.js';
import { errorBodySchema, userSchema } from '../schemas.js';
import { loginRateLimiter, loginUsername, type LoginRateLimit } from '../security.js';

export const loginBodySchema = z.object({
  username: z.string().trim().min(1).max(100),
  password: z.string().min(1).max(200),
});
export type LoginBody = z.infer<typeof loginBodySchema>;

export const loginResponseSchema = z.object({
  token: z.string().meta({ description: 'Token opaco para `Authorization: Bearer …`' }),
  user: userSchema,
});

export const changePasswordBodySchema = z
  .object({
    currentPassword: z.string().min(1).max(200),
    newPassword: z
      .string()
      .min(MIN_PASSWORD_LENGTH, `al menos ${MIN_PASSWORD_LENGTH} caracteres`)
      .max(200),
  })
  .refine((b) => b.newPassword !== b.currentPassword, {
    path: ['newPassword'],
    message: 'debe ser distinta de la actual',
  });
export type ChangePasswordBody = z.infer<typeof changePasswordBodySchema>;

export function authRoutes(
  auth: Authenticator,
  limit: LoginRateLimit,
  prisma: PrismaClient,
): Route[] {
  const limitLogin = loginRateLimiter(limit, loginUsername);
  // Guessing the current password through the change form is limited like sign-in.
  const limitChange = loginRateLimiter(limit, (req) => `password:${bearerToken(req) ?? ''}`);
  return [
    defineRoute({
      method: 'post',
      path: '/api/auth/login',
      summary: 'Iniciar sesión',
      description: `Devuelve un token de sesión (12 horas). Tras ${limit.max} intentos fallidos por dirección y usuario responde 429 con Retry-After.`,
      tags: ['sesión'],
      roles: 'public',
      before: [limitLogin],
      request: { body: loginBodySchema },
      responses: { 200: loginResponseSchema, 401: errorBodySchema },
    }).handle(async ({ body, req }) => {
      const session = await auth.login(body.username, body.password, req.ip);
      if (!session) throw new ApiError(401, 'bad_credentials', 'Usuario o contraseña incorrectos');
      await audit(prisma, req, session.user, {
        action: 'session.login',
        entity: 'user',
        entityId: session.user.id,
      });
      return { status: 200, body: session };
    }),
    defineRoute({
      method: 'post',
      path: '/api/auth/logout',
      summary: 'Cerrar la sesión (el token deja de valer)',
      tags: ['sesión'],
      roles: ROLES,
      responses: { 204: null },
    }).handle(async ({ req, principal }) => {
      await auth.logout(bearerToken(req)!);
      await audit(prisma, req, principal, {
        action: 'session.logout',
        entity: 'user',
        entityId: principal.id,
      });
      return { status: 204 };
    }),
    defineRoute({
      method: 'post',
      path: '/api/auth/password',
      summary: 'Cambiar la contraseña propia',
      description:
        'Exige la contraseña actual; la nueva tiene al menos 10 caracteres. Cierra las demás sesiones del usuario.',
      tags: ['sesión'],
      roles: ROLES,
      before: [limitChange],
      request: { body: changePasswordBodySchema },
      responses: { 204: null },
    }).handle(async ({ body, principal, req }) => {
      const token = bearerToken(req);
      if (!token) throw unauthorised();
      const r = await auth.changePassword(
        principal.id,
        body.currentPassword,
        body.newPassword,
        token,
      );
      if (r === 'wrong_password')
        throw new ApiError(400, 'wrong_password', 'La contraseña actual no es correcta', {
          currentPassword: 'incorrecta',
        });
      await audit(prisma, req, principal, {
        action: 'user.password_change',
        entity: 'user',
        entityId: principal.id,
      });
      return { status: 204 };
    }),
    defineRoute({
      method: 'get',
      path: '/api/me',
      summary: 'El usuario de la sesión',
      tags: ['sesión'],
      roles: ROLES,
      responses: { 200: z.object({ user: userSchema }) },
    }).handle(({ principal }) => ({ status: 200, body: { user: principal } })),
  ];
}
