/**
 * The route table: every HTTP route is one declarative `Route` (method, path, who may call it,
 * zod schemas of its input and of each answer, handler). `registerRoutes` puts a table on an
 * Express router and `openApiDocument` (api/openapi.ts) describes the same table, so the
 * document, the validation and the authorisation can never disagree.
 */
import { mkdirSync } from 'node:fs';
import type { Request, RequestHandler, Response, Router } from 'express';
import multer from 'multer';
import { z } from 'zod';
import type { Role } from '../domain/roles.js';
import { bearerToken, type Authenticator, type Principal, type SystemPrincipal } from './auth.js';
import { ApiError, fieldErrors, forbidden, unauthorised } from './errors.js';
import { CONTROL_CHARACTERS } from './schemas.js';

export type HttpMethod = 'get' | 'post' | 'put' | 'patch' | 'delete';

/**
 * Who may call a route: a list of user roles (bearer token), `'public'` (anyone) or
 * `'apiKey'` (an outside system with its key in the `x-api-key` header).
 */
export type Access = readonly Role[] | 'public' | 'apiKey';

/** zod schemas of the request parts; each part left out must be absent (or is ignored). */
export interface RequestSchemas {
  params?: z.ZodType;
  query?: z.ZodType;
  body?: z.ZodType;
}

/** A `multipart/form-data` upload of one file. */
export interface MultipartUpload {
  /** Form field holding the file. */
  field: string;
  /** Largest file accepted, in bytes. */
  maxBytes: number;
  description: string;
}

/**
 * A file answer (PDF, XLSX, CSV): the handler returns the bytes as a `Buffer`, sent as they are
 * with `mediaType` (the handler sets Content-Type, Content-Disposition…).
 */
export function fileResponse(mediaType: string, description: string) {
  return z
    .custom<Buffer>((v) => Buffer.isBuffer(v), 'se esperaban bytes')
    .meta({ description, fileMediaType: mediaType });
}

/** The media type of a {@link fileResponse} schema; undefined for JSON answers. */
export function fileMediaType(schema: z.ZodType): string | undefined {
  const m = schema.meta()?.fileMediaType;
  return typeof m === 'string' ? m : undefined;
}

/** Status → body schema; `null` for an answer without body (204). */
export type ResponseSchemas = { [status: number]: z.ZodType | null };

type Out<S> = S extends z.ZodType ? z.output<S> : undefined;

/** What a handler returns: one of the declared statuses with a body matching its schema. */
export type Reply<R extends ResponseSchemas> = {
  [S in keyof R & number]: R[S] extends z.ZodType
    ? { status: S; body: z.input<R[S]>; headers?: Record<string, string> }
    : { status: S; body?: undefined; headers?: Record<string, string> };
}[keyof R & number];

export type PrincipalFor<A extends Access> = A extends 'public'
  ? Principal | undefined
  : A extends 'apiKey'
    ? SystemPrincipal
    : Principal;

export interface HandlerInput<Q extends RequestSchemas, A extends Access> {
  params: Out<Q['params']>;
  query: Out<Q['query']>;
  body: Out<Q['body']>;
  principal: PrincipalFor<A>;
  /** The uploaded file of a multipart route (always present there: missing is a 400). */
  file: Express.Multer.File | undefined;
  /** For what the schemas do not carry (client address, bearer token). */
  req: Request;
}

/** Everything about a route but its handler. */
export interface RouteSpec<Q extends RequestSchemas, R extends ResponseSchemas, A extends Access> {
  method: HttpMethod;
  /** Express path, e.g. `/api/cases/:id` (`{id}` in the OpenAPI document). */
  path: string;
  summary: string;
  description?: string;
  tags: string[];
  roles: A;
  request?: Q;
  multipart?: MultipartUpload;
  /** Answers the handler returns; 400/401/403/500 (as they apply) are added by the table. */
  responses: R;
  /** Runs before authentication (rate limiters). */
  before?: RequestHandler[];
}

export type Handler<Q extends RequestSchemas, R extends ResponseSchemas, A extends Access> = (
  input: HandlerInput<Q, A>,
) => Promise<Reply<R>> | Reply<R>;

/** A route with its types erased, as kept in the table. */
export interface Route {
  method: HttpMethod;
  path: string;
  summary: string;
  description?: string;
  tags: string[];
  roles: Access;
  request?: RequestSchemas;
  multipart?: MultipartUpload;
  responses: ResponseSchemas;
  before?: RequestHandler[];
  handler: (
    input: HandlerInput<RequestSchemas, Access>,
  ) => Promise<{ status: number; body?: unknown; headers?: Record<string, string> }>;
}

/**
 * Declares a route: `defineRoute({ method, path, …, responses }).handle(async (input) => …)`.
 * The handler's input and answers are typed from the spec (two steps, so TypeScript fixes the
 * schemas before it checks the handler's literal statuses).
 */
export function defineRoute<
  Q extends RequestSchemas,
  R extends ResponseSchemas,
  const A extends Access,
>(spec: RouteSpec<Q, R, A>): { handle(handler: Handler<Q, R, A>): Route } {
  return { handle: (handler) => ({ ...spec, handler }) as unknown as Route };
}

/** The statuses every route may answer besides its own (documented by the OpenAPI builder). */
export function implicitErrorStatuses(route: Route): number[] {
  const out: number[] = [];
  if (route.request?.params || route.request?.query || route.request?.body || route.multipart)
    out.push(400);
  if (route.roles !== 'public') out.push(401, 403);
  if (route.multipart) out.push(413);
  if (route.before?.length) out.push(429);
  out.push(500);
  return out;
}

export interface RegisterOptions {
  auth: Authenticator;
  /** Check each answer against its declared schema (turn off in production). @default true */
  validateResponses: boolean;
  /** Folder for multipart uploads. */
  uploadDir: string;
}

/** Adds every route of the table to `router`. */
export function registerRoutes(router: Router, routes: Route[], opts: RegisterOptions): void {
  for (const route of routes) {
    const chain: RequestHandler[] = [...(route.before ?? []), authorise(route, opts.auth)];
    if (route.multipart) chain.push(upload(route.multipart, opts.uploadDir));
    chain.push(async (req, res) => {
      const input = parseInput(route, req);
      const reply = await route.handler(input);
      if (opts.validateResponses) checkReply(route, reply);
      send(res, reply);
    });
    router[route.method](route.path, ...chain);
  }
}

/** 401 without valid credentials, 403 for the wrong role — before any input is looked at. */
function authorise(route: Route, auth: Authenticator): RequestHandler {
  return async (req, _res, next) => {
    if (route.roles === 'public') {
      const token = bearerToken(req);
      req.principal = (token && (await auth.principalFor(token))) || undefined;
      return next();
    }
    if (route.roles === 'apiKey') {
      const key = req.get('x-api-key');
      if (key) {
        const system = auth.systemFor(key);
        if (!system) throw unauthorised();
        req.system = system;
        return next();
      }
      const token = bearerToken(req);
      if (token && (await auth.principalFor(token)))
        throw new ApiError(403, 'forbidden', 'Esta ruta es para sistemas con clave de API');
      throw unauthorised();
    }
    const token = bearerToken(req);
    const principal = token ? await auth.principalFor(token) : null;
    if (!principal) throw unauthorised();
    if (!route.roles.includes(principal.role)) throw forbidden();
    req.principal = principal;
    next();
  };
}

/** `200 MB`, `64 KB`: a limit as people read it (powers of 1024). */
function sizeText(bytes: number): string {
  return bytes >= 1 << 20
    ? `${Math.round(bytes / (1 << 20))} MB`
    : `${Math.max(1, Math.round(bytes / 1024))} KB`;
}

function upload(spec: MultipartUpload, dir: string): RequestHandler {
  mkdirSync(dir, { recursive: true });
  const receive = multer({ dest: dir, limits: { fileSize: spec.maxBytes, files: 1 } }).single(
    spec.field,
  );
  // A malformed multipart body (no boundary, cut short, broken part headers) fails inside
  // busboy with a plain Error: it is the client's mistake, so a 400, not a 500. Multer has
  // removed any file it had started to write.
  return (req, res, next) =>
    receive(req, res, (err?: unknown) => {
      if (!err) return next();
      const e = err as { name?: unknown; code?: unknown };
      if (e.name === 'MulterError' && e.code === 'LIMIT_FILE_SIZE')
        return next(
          new ApiError(
            413,
            'too_large',
            `El archivo supera el máximo de ${sizeText(spec.maxBytes)}; no se importó nada`,
          ),
        );
      if (e.name === 'MulterError') return next(err);
      next(
        new ApiError(400, 'invalid_request', 'Envío de archivo inválido', {
          [spec.field]: 'envíe el archivo como multipart/form-data',
        }),
      );
    });
}

/**
 * Control characters have no place in a path or a query string, and PostgreSQL refuses a NUL in
 * any text: refused here for every route, so no handler reaches the database with one (a NUL
 * used to surface as a 500). Line breaks and tabs stay allowed in body texts (notes).
 */
function refuseControlCharacters(req: Request, fields: Record<string, string>): void {
  const message = 'no se admiten caracteres de control';
  for (const name of ['params', 'query'] as const) {
    for (const [k, v] of Object.entries((req[name] ?? {}) as Record<string, unknown>)) {
      const values = Array.isArray(v) ? v : [v];
      if (values.some((x) => typeof x === 'string' && CONTROL_CHARACTERS.test(x)))
        fields[`${name}.${k}`] ??= message;
    }
  }
  const walk = (v: unknown, at: string): void => {
    if (typeof v === 'string') {
      if (v.includes('\u0000')) fields[at || 'body'] ??= message;
    } else if (Array.isArray(v)) v.forEach((x, i) => walk(x, at ? `${at}.${i}` : String(i)));
    else if (v && typeof v === 'object')
      for (const [k, x] of Object.entries(v)) walk(x, at ? `${at}.${k}` : k);
  };
  walk(req.body, '');
}

function parseInput(route: Route, req: Request): HandlerInput<RequestSchemas, Access> {
  const fields: Record<string, string> = {};
  const part = (name: 'params' | 'query' | 'body', schema: z.ZodType | undefined): unknown => {
    if (!schema) return undefined;
    const raw: unknown = name === 'body' ? (req.body ?? {}) : req[name];
    const r = schema.safeParse(raw);
    if (r.success) return r.data;
    for (const [k, v] of Object.entries(fieldErrors(r.error)))
      fields[name === 'body' ? k : `${name}.${k}`] ??= v;
    return undefined;
  };
  refuseControlCharacters(req, fields);
  const params = part('params', route.request?.params);
  const query = part('query', route.request?.query);
  const body = part('body', route.request?.body);
  if (route.multipart && !req.file) fields[route.multipart.field] = 'obligatorio';
  if (Object.keys(fields).length > 0)
    throw new ApiError(400, 'invalid_request', 'Datos inválidos', fields);
  return {
    params,
    query,
    body,
    principal: route.roles === 'apiKey' ? req.system! : req.principal!,
    file: req.file,
    req,
  } as HandlerInput<RequestSchemas, Access>;
}

/** An answer that does not match the table is a bug: fail loudly where responses are checked. */
export class ResponseDriftError extends Error {
  override name = 'ResponseDriftError';
}

function checkReply(route: Route, reply: { status: number; body?: unknown }): void {
  const where = `${route.method.toUpperCase()} ${route.path} → ${reply.status}`;
  if (!(reply.status in route.responses))
    throw new ResponseDriftError(`${where}: status not declared`);
  const schema = route.responses[reply.status];
  if (schema === null || schema === undefined) {
    if (reply.body !== undefined) throw new ResponseDriftError(`${where}: body not declared`);
    return;
  }
  if (fileMediaType(schema)) {
    if (!Buffer.isBuffer(reply.body)) throw new ResponseDriftError(`${where}: expected bytes`);
    return;
  }
  const sent: unknown = JSON.parse(JSON.stringify(reply.body ?? null));
  const r = schema.safeParse(sent);
  if (!r.success) throw new ResponseDriftError(`${where}: ${z.prettifyError(r.error)}`);
  const extra = undeclaredKeys(sent, r.data, '');
  if (extra.length > 0)
    throw new ResponseDriftError(`${where}: undeclared fields ${extra.join(', ')}`);
}

/** Keys present in what was sent but dropped by the schema (zod objects strip unknown keys). */
function undeclaredKeys(sent: unknown, parsed: unknown, at: string): string[] {
  if (Array.isArray(sent) && Array.isArray(parsed))
    return sent.flatMap((v, i) => undeclaredKeys(v, parsed[i], `${at}[${i}]`));
  if (isObject(sent) && isObject(parsed)) {
    return Object.keys(sent).flatMap((k) =>
      k in parsed
        ? undeclaredKeys(sent[k], parsed[k], at ? `${at}.${k}` : k)
        : [at ? `${at}.${k}` : k],
    );
  }
  return [];
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

function send(
  res: Response,
  reply: { status: number; body?: unknown; headers?: Record<string, string> },
): void {
  for (const [k, v] of Object.entries(reply.headers ?? {})) res.setHeader(k, v);
  res.status(reply.status);
  if (reply.body === undefined) res.end();
  else if (Buffer.isBuffer(reply.body)) res.end(reply.body);
  else res.json(reply.body);
}
