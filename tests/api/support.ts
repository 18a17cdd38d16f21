/**
 * The real app (`createApp`) over a fresh PostgreSQL database and the test Temporal server,
 * listening on a loopback port, with one user per role whose password is known.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import { pino } from 'pino';
import { ensurePolicy } from '../../store/policy.js';
import { createApp } from '../../api/app.js';
import { Authenticator, hashPassword } from '../../api/auth.js';
import { ROLES, type Role } from '../../domain/roles.js';
import type { AppDeps } from '../../api/deps.js';
import type { Route } from '../../api/route-table.js';
import { routeTable } from '../../api/routes/index.js';
import {
  freshDatabase,
  temporalClient,
  uniqueTaskQueue,
  type TestDatabase,
} from '../support/env.js';

/** Known password of every seeded user (`<role>` is also the username). */
export const passwordOf = (role: Role) => `clave-de-${role}-2026`;

/** API key of the `billing` system in the test app. */
export const TEST_API_KEY = 'test-billing-key-0123456789';

export interface TestUser {
  id: string;
  username: string;
  role: Role;
  password: string;
}

export interface Answer<T = unknown> {
  status: number;
  headers: Headers;
  body: T;
}

export interface CallOptions {
  token?: string | undefined;
  query?: Record<string, string>;
  json?: unknown;
  form?: FormData;
  headers?: Record<string, string>;
}

export interface TestApi {
  url: string;
  db: TestDatabase;
  temporal: Client;
  deps: AppDeps;
  users: Record<Role, TestUser>;
  /** A live session token per role (logged in through the API). */
  tokens: Record<Role, string>;
  /** The route table the app serves (same deps). */
  routes: Route[];
  call<T = unknown>(method: string, path: string, opts?: CallOptions): Promise<Answer<T>>;
  /** A new session for `role` (for tests that end or spend one). */
  login(role: Role): Promise<string>;
  close(): Promise<void>;
}

export async function startTestApi(overrides: Partial<AppDeps> = {}): Promise<TestApi> {
  const db = await freshDatabase();
  const temporal = await temporalClient();
  const uploadDir = mkdtempSync(path.join(os.tmpdir(), 'cartera-api-'));
  const policy = await ensurePolicy(db.prisma, undefined);
  const deps: AppDeps = {
    prisma: db.prisma,
    pool: db.pool,
    temporal,
    taskQueue: uniqueTaskQueue('api'),
    namespace: 'default',
    log: pino({ level: 'silent' }),
    policy: async () => policy,
    uploadDir,
    apiKeys: { billing: TEST_API_KEY },
    validateResponses: true,
    ...overrides,
  };

  const users = {} as Record<Role, TestUser>;
  for (const role of ROLES) {
    const password = passwordOf(role);
    const u = await db.prisma.user.create({
      data: {
        username: role,
        displayName: `Usuario ${role}`,
        role,
        passwordHash: await hashPassword(password),
      },
    });
    users[role] = { id: u.id, username: u.username, role, password };
  }

  const app = createApp(deps);
  const server = await new Promise<Server>((resolve, reject) => {
    const s = app.listen(0, '127.0.0.1', (err?: Error) => (err ? reject(err) : resolve(s)));
  });
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('no port');
  const url = `http://127.0.0.1:${address.port}`;

  const call = async <T>(method: string, p: string, opts: CallOptions = {}) => {
    const qs = opts.query ? `?${new URLSearchParams(opts.query).toString()}` : '';
    const headers: Record<string, string> = { accept: 'application/json', ...opts.headers };
    if (opts.token) headers.authorization = `Bearer ${opts.token}`;
    let body: string | FormData | undefined;
    if (opts.form) body = opts.form;
    else if (opts.json !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(opts.json);
    }
    const res = await fetch(`${url}${p}${qs}`, {
      method: method.toUpperCase(),
      headers,
      body: body ?? null,
    });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      // not JSON (docs page, assets)
    }
    return { status: res.status, headers: res.headers, body: parsed as T };
  };

  const login = async (role: Role) => {
    const r = await call<{ token: string }>('post', '/api/auth/login', {
      json: { username: role, password: passwordOf(role) },
    });
    if (r.status !== 200) throw new Error(`login ${role}: ${r.status}`);
    return r.body.token;
  };
  const tokens = {} as Record<Role, string>;
  for (const role of ROLES) tokens[role] = await login(role);

  return {
    url,
    db,
    temporal,
    deps,
    users,
    tokens,
    routes: routeTable(deps, new Authenticator(db.prisma)),
    call,
    login,
    close: async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
      await temporal.connection.close();
      await db.close();
      rmSync(uploadDir, { recursive: true, force: true });
    },
  };
}

/** A CSV billing export file for multipart upload. */
export function csvFile(name: string, lines: string[]): FormData {
  const form = new FormData();
  form.append('file', new Blob([`${lines.join('\n')}\n`], { type: 'text/csv' }), name);
  return form;
}

/** Header of the billing export (intake/read.ts). */
export const EXPORT_HEADER =
  'cuenta,cedula_ruc,titular,direccion,sector,ruta,categoria,telefono,email,factura,emision,vencimiento,valor,saldo,proteccion';

/**
 * The routes of the table (method, path, roles, schemas) without a running app, for tests
 * that generate cases at collection time. Handlers are not callable on these.
 */
export function tableShape(): Route[] {
  return routeTable({} as AppDeps, new Authenticator({} as TestDatabase['prisma']));
}
