#!/usr/bin/env node
// Runs the stock Prisma CLI (node_modules/prisma) with a schema engine that works here:
//
//   node scripts/prisma.mjs <prisma args…>      e.g. generate | migrate dev --name x | migrate deploy
//
// Engine choice (see docs/prisma.md):
//   PRISMA_SCHEMA_ENGINE_BINARY set      -> left alone (Prisma's own override)
//   CARTERA_PRISMA_ENGINE=native         -> stock Prisma, untouched (downloads its engine)
//   CARTERA_PRISMA_ENGINE=wasm           -> prisma/engine/schema-engine-wasm.mjs
//   CARTERA_PRISMA_ENGINE=auto (default) -> a native engine already on disk, else stock Prisma
//                                           if the engine host answers within 3 s, else WASM.
// Only Node built-ins here: this must run before anything else is known to work.

import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const WASM_ENGINE = path.join(ROOT, 'prisma', 'engine', 'schema-engine-wasm.mjs');
const PROBE_TIMEOUT_MS = 3000;
const require = createRequire(path.join(ROOT, 'package.json'));

function resolveFromRoot(request, fallback) {
  try {
    return require.resolve(request);
  } catch {
    return path.join(ROOT, 'node_modules', fallback);
  }
}

const PRISMA_CLI = resolveFromRoot('prisma/build/index.js', 'prisma/build/index.js');

function note(message) {
  process.stderr.write(`[prisma.mjs] ${message}\n`);
}

function enginesHash() {
  try {
    const pkgPath = resolveFromRoot(
      '@prisma/engines-version/package.json',
      '@prisma/engines-version/package.json',
    );
    return JSON.parse(readFileSync(pkgPath, 'utf8')).prisma?.enginesVersion;
  } catch {
    return undefined;
  }
}

// The places Prisma 7 looks for (or caches) its native schema engine:
//  - node_modules/@prisma/engines/schema-engine-<binaryTarget>   (where the CLI downloads it)
//  - next to the CLI: node_modules/prisma/schema-engine-<target>, node_modules/schema-engine-<target>,
//    node_modules/prisma/runtime/schema-engine-<target>
//  - the download cache: $XDG_CACHE_HOME/prisma or ~/.cache/prisma (%APPDATA%\Prisma on Windows),
//    <cache>/master/<engines hash>/<binaryTarget>/schema-engine
// A candidate counts only if it runs and reports the expected engine hash.
function findNativeEngine(hash) {
  if (!hash) return undefined;
  const exe = process.platform === 'win32' ? '.exe' : '';
  const candidates = [];
  const enginesDir = path.dirname(
    resolveFromRoot('@prisma/engines/package.json', '@prisma/engines/package.json'),
  );
  const cliDir = path.dirname(path.dirname(PRISMA_CLI)); // node_modules/prisma
  for (const dir of [enginesDir, cliDir, path.dirname(cliDir), path.join(cliDir, 'runtime')]) {
    for (const name of safeReaddir(dir)) {
      if (
        /^schema-engine-[\w.-]+$/.test(name) &&
        !/\.(gz|sha256|sig|tmp)$/.test(name) &&
        (!exe || name.endsWith(exe))
      ) {
        candidates.push(path.join(dir, name));
      }
    }
  }
  const cacheRoot =
    process.platform === 'win32' && process.env.APPDATA
      ? path.join(process.env.APPDATA, 'Prisma')
      : process.env.XDG_CACHE_HOME
        ? path.join(process.env.XDG_CACHE_HOME, 'prisma')
        : path.join(os.homedir(), '.cache', 'prisma');
  const hashDir = path.join(cacheRoot, 'master', hash);
  for (const target of safeReaddir(hashDir))
    candidates.push(path.join(hashDir, target, `schema-engine${exe}`));

  for (const file of candidates) {
    try {
      if (!statSync(file).isFile()) continue;
      const out = execFileSync(file, ['--version'], {
        timeout: 5000,
        stdio: ['ignore', 'pipe', 'ignore'],
        encoding: 'utf8',
      });
      if (out.includes(hash)) return file;
    } catch {
      // not runnable here (other platform, missing libssl, wrong version…)
    }
  }
  return undefined;
}

function safeReaddir(dir) {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

// Does the engine host answer at all? Any HTTP status counts; errors and silence do not.
function probe(urlString, timeoutMs) {
  return new Promise((resolve) => {
    let settled = false;
    const done = (ok) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(ok);
    };
    const timer = setTimeout(() => {
      req?.destroy();
      done(false);
    }, timeoutMs);
    let req;
    try {
      const url = new URL(urlString);
      const proxy = proxyFor(url);
      if (proxy) {
        // HTTPS through an HTTP proxy: a successful CONNECT is good enough.
        const p = new URL(proxy);
        req = http.request({
          host: p.hostname,
          port: p.port || 80,
          method: 'CONNECT',
          path: `${url.hostname}:${url.port || (url.protocol === 'https:' ? 443 : 80)}`,
          timeout: timeoutMs,
        });
        req.on('connect', (res, socket) => {
          socket.destroy();
          done(res.statusCode === 200);
        });
      } else {
        const lib = url.protocol === 'http:' ? http : https;
        req = lib.request(url, { method: 'HEAD', timeout: timeoutMs }, (res) => {
          res.resume();
          done(true);
        });
      }
      req.on('timeout', () => {
        req.destroy();
        done(false);
      });
      req.on('error', () => done(false));
      req.end();
    } catch {
      done(false);
    }
  });
}

function proxyFor(url) {
  const env = process.env;
  const proxy =
    url.protocol === 'https:'
      ? env.HTTPS_PROXY || env.https_proxy || env.HTTP_PROXY || env.http_proxy
      : env.HTTP_PROXY || env.http_proxy;
  if (!proxy) return undefined;
  const noProxy = (env.NO_PROXY || env.no_proxy || '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (
    noProxy.some(
      (n) =>
        n === '*' ||
        url.hostname === n.replace(/^\./, '') ||
        url.hostname.endsWith(n.startsWith('.') ? n : `.${n}`),
    )
  ) {
    return undefined;
  }
  return proxy;
}

function useWasm(env) {
  // The CLI spawns the engine directly: it must stay executable (a checkout can lose the bit).
  try {
    const mode = statSync(WASM_ENGINE).mode;
    if (process.platform !== 'win32' && (mode & 0o111) !== 0o111)
      chmodSync(WASM_ENGINE, mode | 0o111);
  } catch (e) {
    note(`cannot make ${WASM_ENGINE} executable: ${e.message}`);
  }
  env.PRISMA_SCHEMA_ENGINE_BINARY = WASM_ENGINE;
}

async function chooseEngine(env) {
  if (env.PRISMA_SCHEMA_ENGINE_BINARY) return; // Prisma's own override wins.
  const mode = (env.CARTERA_PRISMA_ENGINE || 'auto').toLowerCase();
  if (mode === 'native') return;
  if (mode === 'wasm') {
    useWasm(env);
    note('schema engine: WASM (CARTERA_PRISMA_ENGINE=wasm)');
    return;
  }
  if (mode !== 'auto') {
    note(`CARTERA_PRISMA_ENGINE must be auto, native or wasm (got "${env.CARTERA_PRISMA_ENGINE}")`);
    process.exit(2);
  }
  const native = findNativeEngine(enginesHash());
  if (native) {
    env.PRISMA_SCHEMA_ENGINE_BINARY = native;
    return;
  }
  const mirror =
    env.PRISMA_ENGINES_MIRROR || env.PRISMA_BINARIES_MIRROR || 'https://binaries.prisma.sh';
  if (await probe(mirror, PROBE_TIMEOUT_MS)) {
    note(`schema engine: native, to be downloaded from ${mirror}`);
    return;
  }
  useWasm(env);
  note(`schema engine: WASM (${new URL(mirror).host} unreachable, no native engine on disk)`);
}

async function main() {
  if (!existsSync(PRISMA_CLI)) {
    note(`Prisma CLI not found at ${PRISMA_CLI}; run npm install`);
    process.exit(1);
  }
  const env = { ...process.env };
  await chooseEngine(env);

  const child = spawn(process.execPath, [PRISMA_CLI, ...process.argv.slice(2)], {
    stdio: 'inherit',
    env,
    cwd: process.cwd(),
  });
  const forward = (signal) => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
  };
  const signals = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT'];
  for (const s of signals) process.on(s, forward);
  child.on('error', (e) => {
    note(`failed to start the Prisma CLI: ${e.message}`);
    process.exit(1);
  });
  child.on('exit', (code, signal) => {
    for (const s of signals) process.off(s, forward);
    if (signal) {
      process.kill(process.pid, signal);
      return;
    }
    process.exit(code ?? 1);
  });
}

await main();
