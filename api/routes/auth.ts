/** Sign-in, sign-out and who-am-I. */
import { Router } from 'express';
import { z } from 'zod';
import { authenticate, bearerToken, type Authenticator } from '../auth.js';
import { ApiError } from '../errors.js';

export const loginBodySchema = z.object({
  username: z.string().trim().min(1).max(100),
  password: z.string().min(1).max(200),
});

export function authRoutes(auth: Authenticator): Router {
  const r = Router();
  r.post('/auth/login', async (req, res) => {
    const body = loginBodySchema.parse(req.body);
    const session = await auth.login(body.username, body.password, req.ip);
    if (!session) throw new ApiError(401, 'bad_credentials', 'Usuario o contraseña incorrectos');
    res.json(session);
  });
  r.post('/auth/logout', authenticate(auth), async (req, res) => {
    await auth.logout(bearerToken(req)!);
    res.status(204).end();
  });
  r.get('/me', authenticate(auth), (req, res) => {
    res.json({ user: req.principal });
  });
  return r;
}
