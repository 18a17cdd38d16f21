#!/usr/bin/env node
// A stand-in for Prisma's native `schema-engine` binary, built on @prisma/schema-engine-wasm
// (the WASM build of the same engine) and @prisma/adapter-pg. The stock Prisma CLI spawns it
// when PRISMA_SCHEMA_ENGINE_BINARY points here (scripts/prisma.mjs does that when the native
// engine cannot be downloaded). PostgreSQL only. See docs/prisma.md.
//
// Protocol (what the CLI expects from the native binary):
//   schema-engine --version                                   -> "schema-engine-cli <hash>" on stdout
//   schema-engine --datasource '{"url":…}' cli <command>      -> can-connect-to-database |
//                                                                create-database | drop-database;
//                                                                exit 0, or exit 1 with JSON log
//                                                                lines on stderr (the first stderr
//                                                                line is discarded by the CLI)
//   schema-engine [--datamodels <file>]… [--datasource '{"url":…,"shadowDatabaseUrl":…}']
//                                                             -> JSON-RPC 2.0, one message per line
//                                                                on stdin/stdout; `diff` output is
//                                                                sent back as a `print` request.

import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import readline from 'node:readline';

// Nothing but JSON-RPC may reach stdout: route stray console output to stderr.
for (const level of ['log', 'info', 'debug', 'warn']) {
  console[level] = (...args) => process.stderr.write(`${args.map(String).join(' ')}\n`);
}

const require = createRequire(import.meta.url);
const ENGINES_HASH = readEnginesHash();

// ---------------------------------------------------------------------------------------------
// Arguments

function parseArgs(argv) {
  const out = { datamodels: [], datasource: undefined, cli: undefined, version: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--version' || a === '-V') out.version = true;
    else if (a === '--datamodels' || a === '-d') out.datamodels.push(argv[++i]);
    else if (a === '--datasource') out.datasource = JSON.parse(argv[++i] ?? 'null') ?? undefined;
    else if (a === '--enabled-preview-features' || a === '--extension-types') i++;
    else if (a === 'cli') {
      out.cli = argv[++i] ?? '';
      break;
    } else if (a === '--help' || a === '-h') {
      process.stdout.write('schema-engine (WASM wrapper): see docs/prisma.md\n');
      process.exit(0);
    }
  }
  return out;
}

function readEnginesHash() {
  try {
    const pkg = JSON.parse(
      readFileSync(require.resolve('@prisma/engines-version/package.json'), 'utf8'),
    );
    return pkg.prisma?.enginesVersion ?? 'unknown';
  } catch {
    try {
      const pkgDir = path.dirname(require.resolve('@prisma/schema-engine-wasm'));
      const pkg = JSON.parse(readFileSync(path.join(pkgDir, 'package.json'), 'utf8'));
      return String(pkg.version).split('-').pop();
    } catch {
      return 'unknown';
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Logging in the native engine's format (JSON lines on stderr)

function logLine(level, message, extra = {}, target = 'schema_engine::logger') {
  const fields = { message, ...extra };
  process.stderr.write(
    `${JSON.stringify({ timestamp: new Date().toISOString(), level, fields, target })}\n`,
  );
}

// ---------------------------------------------------------------------------------------------
// Connection settings. node-postgres gets discrete fields: a `connectionString` would override
// the `database` we set for the shadow / maintenance databases.

const SSL_MODES_WITH_TLS = new Set(['require', 'verify-ca', 'verify-full']);

function parsePgUrl(url) {
  let u;
  try {
    u = new URL(url);
  } catch {
    throw userError(
      'P1013',
      'The provided database string is invalid. The scheme is not recognized in database URL.',
    );
  }
  if (u.protocol !== 'postgresql:' && u.protocol !== 'postgres:') {
    throw userError(
      'P1013',
      `The provided database string is invalid. This WASM schema engine wrapper only supports PostgreSQL (got \`${u.protocol}\`).`,
    );
  }
  const q = u.searchParams;
  const cfg = {
    host:
      q.get('host') || decodeURIComponent(u.hostname).replace(/^\[(.*)\]$/, '$1') || 'localhost',
    port: Number(u.port || q.get('port') || 5432),
    user: decodeURIComponent(u.username) || q.get('user') || process.env.PGUSER || 'postgres',
    password: u.password ? decodeURIComponent(u.password) : (q.get('password') ?? undefined),
    database: decodeURIComponent(u.pathname.replace(/^\//, '')) || 'postgres',
  };
  const sslmode = q.get('sslmode');
  if (sslmode && SSL_MODES_WITH_TLS.has(sslmode)) {
    const ssl = {
      rejectUnauthorized: sslmode === 'verify-full' || q.get('sslaccept') === 'strict',
    };
    const rootCert = q.get('sslrootcert');
    if (rootCert) ssl.ca = readFileSync(rootCert, 'utf8');
    cfg.ssl = ssl;
  }
  const connectTimeout = q.get('connect_timeout');
  cfg.connectionTimeoutMillis = (connectTimeout ? Number(connectTimeout) : 5) * 1000;
  if (q.get('application_name')) cfg.application_name = q.get('application_name');
  const schema = q.get('schema') || undefined;
  // Like the native engine, run in the URL's schema (unqualified DDL, _prisma_migrations).
  const options = [q.get('options'), schema && `-c search_path=${quoteIdent(schema)}`];
  if (options.some(Boolean)) cfg.options = options.filter(Boolean).join(' ');
  return { cfg, schema };
}

const where = (cfg) => `${cfg.host}:${cfg.port}`;

// ---------------------------------------------------------------------------------------------
// node-postgres plumbing

const pg = require('pg');

const OID_CHAR = 18; // PostgreSQL's one-byte internal "char" type (pg_class.relkind, …)
const OID_TEXT = 25;

// @prisma/adapter-pg has no column-type mapping for the internal "char" type, which the
// engine's catalog queries return; the value already arrives as a one-character string, so
// relabel the column as text.
function relabelCharColumns(result) {
  if (Array.isArray(result)) {
    for (const r of result) relabelCharColumns(r);
  } else if (result && Array.isArray(result.fields)) {
    for (const f of result.fields) if (f.dataTypeID === OID_CHAR) f.dataTypeID = OID_TEXT;
  }
  return result;
}

class CharSafeClient extends pg.Client {
  query(config, values, callback) {
    if (config && typeof config.submit === 'function') return super.query(config, values, callback);
    if (typeof values === 'function') {
      callback = values;
      values = undefined;
    }
    if (typeof callback === 'function') {
      return super.query(config, values, (err, res) =>
        callback(err, err ? res : relabelCharColumns(res)),
      );
    }
    return super.query(config, values).then(relabelCharColumns);
  }
}

const openPools = new Set();

function newPool(cfg) {
  // One connection per database, as the native engine uses: the migration advisory lock and
  // session settings then live on the same session as the statements that follow.
  const pool = new pg.Pool({ ...cfg, Client: CharSafeClient, max: 1, idleTimeoutMillis: 0 });
  pool.on('error', (e) => logLine('WARN', `idle connection error: ${e.message}`));
  openPools.add(pool);
  const end = pool.end.bind(pool);
  pool.end = async () => {
    openPools.delete(pool);
    if (!pool.ending) await end();
  };
  return pool;
}

async function withClient(cfg, fn) {
  const client = new pg.Client(cfg);
  try {
    await client.connect();
    return await fn(client);
  } finally {
    await client.end().catch(() => {});
  }
}

const quoteIdent = (name) => `"${String(name).replaceAll('"', '""')}"`;

// Translate a node-postgres / socket error into the native engine's user-facing error.
function connectionError(e, cfg) {
  switch (e?.code) {
    case '3D000':
      return userError(
        'P1003',
        `Database \`${cfg.database}\` does not exist on the database server at \`${where(cfg)}\`.`,
      );
    case '28P01':
    case '28000':
      return userError(
        'P1000',
        `Authentication failed against database server, the provided database credentials for \`${cfg.user}\` are not valid.\n\nPlease make sure to provide valid database credentials for the database server at \`${where(cfg)}\`.`,
      );
    case '42P04':
      return userError(
        'P1009',
        `Database \`${cfg.database}\` already exists on the database server at \`${where(cfg)}\``,
      );
    case '42501':
      return userError(
        'P1010',
        `User \`${cfg.user}\` was denied access on the database \`${cfg.database}\``,
      );
    case 'ECONNREFUSED':
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
    case 'ECONNRESET':
      return userError(
        'P1001',
        `Can't reach database server at \`${where(cfg)}\`\n\nPlease make sure your database server is running at \`${where(cfg)}\`.`,
      );
    default:
      if (/timeout/i.test(e?.message ?? '')) {
        return userError(
          'P1002',
          `The database server at \`${where(cfg)}\` was reached but timed out.\n\nPlease try again.\n\nPlease make sure your database server is running at \`${where(cfg)}\`.`,
        );
      }
      return e instanceof Error ? e : new Error(String(e));
  }
}

function userError(code, message, meta = {}) {
  const e = new Error(message);
  e.code = code;
  e.meta = meta;
  e.isUserFacing = true;
  return e;
}

// Databases used for CREATE / DROP DATABASE, as the native engine does.
async function withMaintenanceClient(cfg, fn) {
  let lastError;
  for (const database of ['postgres', 'template1']) {
    if (database === cfg.database) continue;
    try {
      return await withClient({ ...cfg, database }, fn);
    } catch (e) {
      if (e?.code === '3D000' || e?.code === '28000') {
        lastError = e;
        continue;
      }
      throw e;
    }
  }
  throw lastError ?? new Error('no maintenance database available');
}

async function canConnect(url) {
  const { cfg } = parsePgUrl(url);
  try {
    await withClient(cfg, (c) => c.query('SELECT 1'));
  } catch (e) {
    throw connectionError(e, cfg);
  }
}

async function createDatabase(url) {
  const { cfg } = parsePgUrl(url);
  try {
    await withMaintenanceClient(cfg, (c) => c.query(`CREATE DATABASE ${quoteIdent(cfg.database)}`));
  } catch (e) {
    throw connectionError(e, cfg);
  }
  return cfg.database;
}

async function dropDatabase(url) {
  const { cfg } = parsePgUrl(url);
  try {
    await withMaintenanceClient(cfg, (c) => c.query(`DROP DATABASE ${quoteIdent(cfg.database)}`));
  } catch (e) {
    throw connectionError(e, cfg);
  }
}

// ---------------------------------------------------------------------------------------------
// Driver adapter factory for the WASM engine

async function loadAdapterModules() {
  const [{ PrismaPg }, utils] = await Promise.all([
    import('@prisma/adapter-pg'),
    import('@prisma/driver-adapter-utils'),
  ]);
  return {
    PrismaPg,
    bindMigrationAwareSqlAdapterFactory: utils.bindMigrationAwareSqlAdapterFactory,
  };
}

// Stand-in when the CLI passes no datasource (e.g. `migrate diff` between schema files). The
// engine first asks for the server version, which the native engine, without a connection, never
// does; answer that one query and refuse everything else.
const VERSION_PROBE =
  /^SELECT EXISTS\(SELECT 1 FROM pg_namespace WHERE nspname = \$1\), version\(\)/;
const NO_DATABASE =
  'No database connection configured: set DATABASE_URL (datasource.url in prisma.config.ts).';

function noDatabaseAdapter() {
  const fail = async () => {
    throw new Error(NO_DATABASE);
  };
  return {
    provider: 'postgres',
    adapterName: '@prisma/adapter-pg',
    async queryRaw(query) {
      if (!VERSION_PROBE.test(query.sql)) return fail();
      return {
        columnNames: ['exists', 'version', 'numeric_version'],
        columnTypes: [5, 7, 0], // Boolean, Text, Int32 (ColumnTypeEnum)
        rows: [[true, 'PostgreSQL 16.0 (no connection: schema-engine-wasm stand-in)', 160000]],
      };
    },
    executeRaw: fail,
    executeScript: fail,
    startTransaction: fail,
    getConnectionInfo: () => ({ supportsRelationJoins: true }),
    dispose: async () => {},
  };
}

function makeAdapterFactory({ PrismaPg }, datasource) {
  if (!datasource?.url) {
    return {
      factory: {
        provider: 'postgres',
        adapterName: '@prisma/adapter-pg',
        connect: async () => noDatabaseAdapter(),
        connectToShadowDb: async () => noDatabaseAdapter(),
      },
    };
  }
  const main = parsePgUrl(datasource.url);
  const shadow = datasource?.shadowDatabaseUrl
    ? parsePgUrl(datasource.shadowDatabaseUrl)
    : undefined;

  async function adapterFor(cfg, schema, release) {
    const pool = newPool(cfg);
    const adapter = await new PrismaPg(pool, { schema, disposeExternalPool: true }).connect();
    // @prisma/adapter-pg splits scripts on ";" (breaks `$$ … ; … $$` bodies and string literals).
    // Send the script in one simple-protocol query, as the native engine does.
    adapter.executeScript = async (script) => {
      try {
        await pool.query(script);
      } catch (e) {
        adapter.onError(e);
      }
    };
    if (release) {
      const dispose = adapter.dispose.bind(adapter);
      let released = false;
      adapter.dispose = async () => {
        if (released) return;
        released = true;
        await dispose();
        await release();
      };
    }
    return adapter;
  }

  const factory = {
    provider: 'postgres',
    adapterName: '@prisma/adapter-pg',
    async connect() {
      return adapterFor(main.cfg, main.schema);
    },
    async connectToShadowDb() {
      if (shadow) {
        // An explicit shadow database is emptied first, as the native engine does (the WASM
        // engine would replay the migrations on top of whatever is left there).
        await resetShadowDatabase(shadow, main);
        return adapterFor(shadow.cfg, shadow.schema);
      }
      // Temporary shadow database, created and dropped through a separate admin connection
      // (the shadow pool is closed before the DROP, which would otherwise fail).
      const name = `prisma_migrate_shadow_db_${randomUUID()}`;
      const admin = new pg.Client(main.cfg);
      await admin.connect();
      try {
        await admin.query(`CREATE DATABASE ${quoteIdent(name)}`);
      } catch (e) {
        await admin.end().catch(() => {});
        throw e;
      }
      shadowDatabases.add(name);
      return adapterFor({ ...main.cfg, database: name }, main.schema, async () => {
        try {
          await admin.query(`DROP DATABASE IF EXISTS ${quoteIdent(name)}`);
        } catch {
          await admin
            .query(`DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`)
            .catch(() => {});
        } finally {
          shadowDatabases.delete(name);
          await admin.end().catch(() => {});
        }
      });
    },
  };
  return { factory, main };
}

const shadowDatabases = new Set();

async function resetShadowDatabase(shadow, main) {
  const same = (a, b) => a.host === b.host && a.port === b.port && a.database === b.database;
  if (same(shadow.cfg, main.cfg)) {
    throw userError(
      'P3014',
      'The shadow database you configured appears to be the same as the main database. Please specify another shadow database.',
    );
  }
  await withClient(shadow.cfg, async (c) => {
    const { rows } = await c.query(
      "SELECT nspname FROM pg_namespace WHERE nspname NOT LIKE 'pg\\_%' AND nspname <> 'information_schema'",
    );
    for (const { nspname } of rows) await c.query(`DROP SCHEMA ${quoteIdent(nspname)} CASCADE`);
    for (const name of new Set(['public', shadow.schema ?? 'public']))
      await c.query(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(name)}`);
  });
}

// ---------------------------------------------------------------------------------------------
// WASM engine

let panicMessage;

async function loadWasmEngine() {
  globalThis.PRISMA_WASM_PANIC_REGISTRY = {
    set_message(message) {
      panicMessage = `RuntimeError: ${message}`;
    },
  };
  const pkgDir = path.dirname(require.resolve('@prisma/schema-engine-wasm'));
  const bg = await import('@prisma/schema-engine-wasm/schema_engine_bg');
  // Node 20 cannot `import` a .wasm file: instantiate it by hand and hand it to the JS glue.
  const module = new WebAssembly.Module(readFileSync(path.join(pkgDir, 'schema_engine_bg.wasm')));
  const instance = new WebAssembly.Instance(module, { './schema_engine_bg.js': bg });
  bg.__wbg_set_wasm(instance.exports);
  instance.exports.__wbindgen_start();
  return bg;
}

function engineLog(line) {
  const text = String(line);
  try {
    JSON.parse(text);
    process.stderr.write(`${text}\n`);
  } catch {
    logLine('INFO', text, {}, 'schema_engine::wasm');
  }
}

async function startEngine(args) {
  const [bg, mods] = await Promise.all([loadWasmEngine(), loadAdapterModules()]);
  const { factory } = makeAdapterFactory(mods, args.datasource);
  const bound = mods.bindMigrationAwareSqlAdapterFactory(factory);
  const datamodels = args.datamodels.length
    ? args.datamodels.map((p) => [p, readFileSync(path.resolve(p), 'utf8')])
    : undefined;
  try {
    const engine = await bg.SchemaEngine.new({ datamodels }, engineLog, bound);
    return { engine, errorRegistry: bound.errorRegistry };
  } catch (e) {
    throw resolveError(e, bound.errorRegistry);
  }
}

// Recover the original JS error behind an engine error that wraps a driver-adapter failure.
function resolveError(e, errorRegistry) {
  const fromMessage = /External error id#(\d+)/.exec(
    typeof e?.message === 'string' ? e.message : '',
  );
  const id = fromMessage ? Number(fromMessage[1]) : (e?.cause?.id ?? e?.id);
  if (errorRegistry && typeof id === 'number') {
    const original = errorRegistry.consumeError(id);
    if (original?.error) return original.error;
  }
  return e;
}

const DRIVER_ERROR_CODES = {
  DatabaseDoesNotExist: 'P1003',
  DatabaseNotReachable: 'P1001',
  AuthenticationFailed: 'P1000',
  DatabaseAccessDenied: 'P1010',
  DatabaseAlreadyExists: 'P1009',
  SocketTimeout: 'P1002',
  TooManyConnections: 'P1001',
};

function toRpcError(error, method) {
  const e = error ?? new Error('unknown error');
  const isPanic = e instanceof WebAssembly.RuntimeError || e?.name === 'RuntimeError';
  if (isPanic) {
    const message = panicMessage ?? e.message;
    return {
      code: 4466,
      message: 'An error happened. Check the data field for details.',
      data: { is_panic: true, message, backtrace: e.stack },
    };
  }
  let code = typeof e.code === 'string' && /^P\d{4}$/.test(e.code) ? e.code : undefined;
  let message = typeof e.message === 'string' && e.message ? e.message : String(e);
  const cause = e.name === 'DriverAdapterError' ? e.cause : undefined;
  if (cause) {
    code ??= DRIVER_ERROR_CODES[cause.kind];
    if (cause.kind === 'postgres')
      message = `${cause.message}${cause.detail ? `\nDETAIL: ${cause.detail}` : ''}${cause.hint ? `\nHINT: ${cause.hint}` : ''} (code ${cause.code})`;
    else if (!code || message === cause.kind) message = `${cause.kind}: ${JSON.stringify(cause)}`;
  } else if (!code && e.code && typeof e.code === 'string' && e.severity) {
    // raw node-postgres error
    message = `${e.message} (code ${e.code})`;
  }
  const data = { is_panic: false, message, meta: e.meta ?? {} };
  if (code) data.error_code = code;
  else data.backtrace = `[${method}] ${e.stack ?? ''}`;
  return { code: 4466, message: 'An error happened. Check the data field for details.', data };
}

// ---------------------------------------------------------------------------------------------
// JSON-RPC server

function send(message) {
  process.stdout.write(`${JSON.stringify(message)}\n`);
}

let outgoingId = 1_000_000;
const pendingOutgoing = new Map();

function requestFromCli(method, params) {
  const id = outgoingId++;
  return new Promise((resolve, reject) => {
    pendingOutgoing.set(id, { resolve, reject });
    send({ jsonrpc: '2.0', id, method, params });
  });
}

const PASSTHROUGH = new Set([
  'applyMigrations',
  'dbExecute',
  'devDiagnostic',
  'diagnoseMigrationHistory',
  'ensureConnectionValidity',
  'introspect',
  'introspectSql',
  'markMigrationApplied',
  'markMigrationRolledBack',
  'reset',
  'schemaPush',
]);

async function serve(args) {
  let enginePromise;
  const engine = () => (enginePromise ??= startEngine(args));
  // Compile the WASM while the CLI prepares its first request; failures surface on first use.
  engine().catch(() => {});

  let migrationStateReady = false;

  async function handle(method, params) {
    if (method === 'createDatabase') {
      const url = params?.datasource?.url ?? args.datasource?.url;
      if (!url) throw userError('P1012', 'createDatabase needs a connection string');
      return { databaseName: await createDatabase(url) };
    }
    const { engine: e, errorRegistry } = await engine();
    try {
      if (PASSTHROUGH.has(method)) {
        const result = await e[method](params);
        if (
          method === 'devDiagnostic' ||
          (method === 'diagnoseMigrationHistory' && params?.optInToShadowDatabase)
        ) {
          migrationStateReady = true;
        }
        return result;
      }
      switch (method) {
        case 'createMigration':
        case 'evaluateDataLoss':
          // In a fresh engine these two fail unless a diagnoseMigrationHistory (opting in to the
          // shadow database) ran first. `migrate dev` runs devDiagnostic first anyway.
          if (!migrationStateReady) {
            await e.diagnoseMigrationHistory({
              migrationsList: params.migrationsList,
              optInToShadowDatabase: true,
              filters: params.filters ?? { externalTables: [], externalEnums: [] },
            });
            migrationStateReady = true;
          }
          return method === 'createMigration'
            ? await e.createMigration(params)
            : await e.evaluateDataLoss(params);
        case 'diff': {
          const result = await e.diff(params);
          if (result?.stdout)
            await requestFromCli('print', { content: result.stdout.replace(/\n$/, '') });
          return { exitCode: result?.exitCode ?? 0, stdout: null };
        }
        case 'getDatabaseVersion':
        case 'version':
          return await e.version(params ?? undefined);
        case 'debugPanic':
          return e.debugPanic();
        default:
          throw Object.assign(
            new Error(`Method not supported by the WASM schema engine wrapper: ${method}`),
            { rpcCode: -32601 },
          );
      }
    } catch (err) {
      throw resolveError(err, errorRegistry);
    }
  }

  let chain = Promise.resolve();
  let fatal = false;
  const rl = readline.createInterface({ input: process.stdin, crlfDelay: Infinity });
  rl.on('line', (line) => {
    if (!line.trim()) return;
    let msg;
    try {
      msg = JSON.parse(line);
    } catch {
      send({ jsonrpc: '2.0', id: null, error: { code: -32700, message: 'Parse error' } });
      return;
    }
    if (msg.method === undefined && msg.id !== undefined && pendingOutgoing.has(msg.id)) {
      const p = pendingOutgoing.get(msg.id);
      pendingOutgoing.delete(msg.id);
      if (msg.error) p.reject(new Error(msg.error.message));
      else p.resolve(msg.result);
      return;
    }
    // Requests are processed one at a time, in order, like the native engine does.
    chain = chain.then(async () => {
      try {
        const result = await handle(msg.method, msg.params);
        if (msg.id !== undefined) send({ jsonrpc: '2.0', id: msg.id, result: result ?? {} });
      } catch (err) {
        if (err?.rpcCode) {
          send({
            jsonrpc: '2.0',
            id: msg.id ?? null,
            error: { code: err.rpcCode, message: err.message },
          });
          return;
        }
        const error = toRpcError(err, msg.method);
        if (error.data.is_panic) fatal = true;
        logLine(
          'ERROR',
          error.data.message,
          error.data.error_code ? { error_code: error.data.error_code } : {},
        );
        send({ jsonrpc: '2.0', id: msg.id ?? null, error });
      }
      if (fatal) await shutdown(101);
    });
  });
  rl.on('close', () => {
    chain = chain.then(() => shutdown(0));
  });
}

let shuttingDown = false;
async function shutdown(code) {
  if (shuttingDown) return;
  shuttingDown = true;
  const timer = setTimeout(() => process.exit(code), 3000);
  timer.unref();
  await Promise.allSettled([...openPools].map((p) => p.end()));
  if (shadowDatabases.size)
    logLine('WARN', `shadow database(s) left behind: ${[...shadowDatabases].join(', ')}`);
  // The engine keeps handles alive; leave explicitly.
  process.exit(code);
}

for (const signal of ['SIGTERM', 'SIGINT']) {
  process.on(signal, () => {
    void shutdown(signal === 'SIGINT' ? 130 : 143);
  });
}

// ---------------------------------------------------------------------------------------------
// Entry point

async function runCliCommand(args) {
  // The Prisma CLI discards the first stderr line and parses the rest as JSON log lines.
  logLine(
    'INFO',
    'Starting schema engine CLI (WASM wrapper)',
    { git_hash: ENGINES_HASH },
    'schema_engine',
  );
  const url = args.datasource?.url;
  try {
    if (!url) throw userError('P1012', 'The `cli` commands need `--datasource` with a `url`.');
    switch (args.cli) {
      case 'can-connect-to-database':
        await canConnect(url);
        process.stdout.write('Connection successful\n');
        break;
      case 'create-database': {
        const name = await createDatabase(url);
        process.stdout.write(`Database '${name}' was successfully created.\n`);
        break;
      }
      case 'drop-database':
        await dropDatabase(url);
        process.stdout.write('The database was successfully dropped.\n');
        break;
      default:
        throw new Error(`Unknown cli command: ${args.cli}`);
    }
    process.exit(0);
  } catch (e) {
    const err = toRpcError(e, `cli ${args.cli}`);
    logLine(
      'ERROR',
      err.data.message,
      err.data.error_code ? { error_code: err.data.error_code } : {},
    );
    process.exit(1);
  }
}

async function main() {
  let args;
  try {
    args = parseArgs(process.argv.slice(2));
  } catch (e) {
    logLine('ERROR', `Invalid arguments: ${e.message}`);
    process.exit(1);
  }
  if (args.version) {
    process.stdout.write(`schema-engine-cli ${ENGINES_HASH}\n`);
    process.exit(0);
  }
  if (args.cli !== undefined) return runCliCommand(args);
  return serve(args);
}

process.on('unhandledRejection', (e) => {
  logLine('ERROR', `unhandled rejection: ${e?.stack ?? e}`);
});

await main();
