/** Sign-in, rate limiting, password change, logout and security headers, against the real app. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { passwordOf, startTestApi, type TestApi } from './support.js';

interface ErrorBody {
  error: { code: string; message: string; fields?: Record<string, string> };
}

describe('auth', () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await startTestApi({ loginRateLimit: { max: 3, windowMs: 60_000 } });
  });
  afterAll(() => api?.close());

  describe('login', () => {
    it('answers a token and the user for valid credentials', async () => {
      const r = await api.call<{ token: string; user: { username: string; role: string } }>(
        'post',
        '/api/auth/login',
        { json: { username: 'manager', password: passwordOf('manager') } },
      );
      expect(r.status).toBe(200);
      expect(r.body.token).toMatch(/^[\w-]{40,}$/);
      expect(r.body.user).toMatchObject({ username: 'manager', role: 'manager' });
      const me = await api.call<{ user: { id: string } }>('get', '/api/me', {
        token: r.body.token,
      });
      expect(me.status).toBe(200);
      expect(me.body.user.id).toBe(api.users.manager.id);
    });

    it('answers 401 alike for a wrong password and an unknown user', async () => {
      const wrong = await api.call<ErrorBody>('post', '/api/auth/login', {
        json: { username: 'admin', password: 'no-es-esta' },
      });
      const unknown = await api.call<ErrorBody>('post', '/api/auth/login', {
        json: { username: 'nadie', password: 'no-es-esta' },
      });
      expect(wrong.status).toBe(401);
      expect(unknown.status).toBe(401);
      expect(wrong.body).toEqual(unknown.body);
      expect(wrong.body.error.code).toBe('bad_credentials');
    });

    it('answers 400 with field errors for a malformed body', async () => {
      const r = await api.call<ErrorBody>('post', '/api/auth/login', { json: { username: '' } });
      expect(r.status).toBe(400);
      expect(Object.keys(r.body.error.fields ?? {}).sort()).toEqual(['password', 'username']);
    });

    it('limits failed attempts per address and username with 429 and Retry-After', async () => {
      const attempt = (username: string, password = 'incorrecta') =>
        api.call<ErrorBody>('post', '/api/auth/login', { json: { username, password } });
      for (let i = 0; i < 3; i++) expect((await attempt('collector')).status).toBe(401);
      const blocked = await attempt('collector');
      expect(blocked.status).toBe(429);
      expect(blocked.body.error.code).toBe('too_many_attempts');
      expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(0);
      // Even the right password waits; another username from the same address does not.
      expect((await attempt('collector', passwordOf('collector'))).status).toBe(429);
      expect((await attempt('admin', passwordOf('admin'))).status).toBe(200);
    });
  });

  describe('logout', () => {
    it('ends the session: the token no longer works', async () => {
      const token = await api.login('manager');
      expect((await api.call('get', '/api/me', { token })).status).toBe(200);
      const out = await api.call('post', '/api/auth/logout', { token });
      expect(out.status).toBe(204);
      expect((await api.call('get', '/api/me', { token })).status).toBe(401);
      expect((await api.call('post', '/api/auth/logout', { token })).status).toBe(401);
    });
  });

  describe('password change', () => {
    it('checks authentication before the body', async () => {
      const r = await api.call('post', '/api/auth/password', { json: {} });
      expect(r.status).toBe(401);
    });

    it('requires the current password and at least 10 characters', async () => {
      const token = await api.login('legal');
      const short = await api.call<ErrorBody>('post', '/api/auth/password', {
        token,
        json: { currentPassword: passwordOf('legal'), newPassword: 'corta' },
      });
      expect(short.status).toBe(400);
      expect(short.body.error.fields).toHaveProperty('newPassword');
      const same = await api.call<ErrorBody>('post', '/api/auth/password', {
        token,
        json: { currentPassword: passwordOf('legal'), newPassword: passwordOf('legal') },
      });
      expect(same.status).toBe(400);
      expect(same.body.error.fields).toHaveProperty('newPassword');
      const wrong = await api.call<ErrorBody>('post', '/api/auth/password', {
        token,
        json: { currentPassword: 'no-es-la-actual', newPassword: 'una-clave-nueva-larga' },
      });
      expect(wrong.status).toBe(400);
      expect(wrong.body.error.code).toBe('wrong_password');
      expect(wrong.body.error.fields).toHaveProperty('currentPassword');
    });

    it('changes it, keeps this session and ends the others', async () => {
      const token = await api.login('legal');
      const other = await api.login('legal');
      const next = 'una-clave-nueva-larga';
      const r = await api.call('post', '/api/auth/password', {
        token,
        json: { currentPassword: passwordOf('legal'), newPassword: next },
      });
      expect(r.status).toBe(204);
      expect((await api.call('get', '/api/me', { token })).status).toBe(200);
      expect((await api.call('get', '/api/me', { token: other })).status).toBe(401);
      const old = await api.call('post', '/api/auth/login', {
        json: { username: 'legal', password: passwordOf('legal') },
      });
      expect(old.status).toBe(401);
      const fresh = await api.call('post', '/api/auth/login', {
        json: { username: 'legal', password: next },
      });
      expect(fresh.status).toBe(200);
    });
  });

  describe('security headers', () => {
    it.each(['/healthz', '/api/me', '/api/openapi.json', '/api/docs/'])('on %s', async (p) => {
      const r = await api.call('get', p, { token: api.tokens.admin });
      const h = r.headers;
      const csp = h.get('content-security-policy') ?? '';
      expect(csp).toContain("default-src 'self'");
      expect(csp).toContain("script-src 'self'");
      expect(csp).toContain("frame-ancestors 'none'");
      expect(csp).not.toMatch(/https?:/);
      expect(h.get('x-content-type-options')).toBe('nosniff');
      expect(h.get('x-frame-options')).toBe('DENY');
      expect(h.get('referrer-policy')).toBe('no-referrer');
      expect(h.get('x-powered-by')).toBeNull();
    });
  });
});
