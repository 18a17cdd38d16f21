/**
 * No secret in the repository: every tracked text file is scanned for private keys, cloud and
 * service tokens, credentials inside URLs and secrets assigned to literals in code that ships.
 * Secrets come from the environment (config/index.ts) and nowhere else. The few literals that
 * look like secrets and are not (an OpenAPI example, a storage key name, the published demo
 * password, a load-test password) are listed here with their reason.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT_DIR } from '../../config/index.js';

/** Patterns that are secrets wherever they appear (tests and docs included). */
const ANYWHERE: Record<string, RegExp> = {
  'private key': /-----BEGIN (?:[A-Z]+ )*PRIVATE KEY(?: BLOCK)?-----\s*[A-Za-z0-9+/=\s]{64,}/,
  'AWS access key': /\b(?:AKIA|ASIA)[0-9A-Z]{16}\b/,
  'GitHub token': /\bgh[pousr]_[A-Za-z0-9]{36,}\b/,
  'Slack token': /\bxox[abprs]-[A-Za-z0-9-]{10,}/,
  'Stripe key': /\b[sr]k_live_[0-9a-zA-Z]{20,}/,
  'Google API key': /\bAIza[0-9A-Za-z_-]{35}\b/,
  'Temporal Cloud API key':
    /\beyJhbGciOi[A-Za-z0-9_-]{20,}\.[A-Za-z0-9_-]{20,}\.[A-Za-z0-9_-]{20,}/,
};

/** Patterns that are secrets in code that ships (not in tests, docs or benchmarks). */
const IN_CODE: Record<string, RegExp> = {
  // user:password@host, except the local embedded PostgreSQL on loopback and placeholders
  // (`<password>`, `${PASSWORD}`, `$PASSWORD`).
  'credentials in a URL':
    /\b[a-z][a-z0-9+.-]*:\/\/(?!\$\{)[^\s:/@'"`]+:(?![<$])[^\s@/'"`]+@(?!127\.0\.0\.1|localhost)/i,
  'secret assigned to a literal':
    /(?:password|passwd|secret|token|api[_-]?key)[a-z_]*['"]?\s*[:=]\s*['"`][^'"`\s]{8,}['"`]/i,
};

/** Lines that match and are not secrets: file → what the line holds. */
const ALLOWED: Record<string, RegExp> = {
  // The OpenAPI example of a wrong current password.
  'api/routes/auth.ts': /currentPassword: 'incorrecta'/,
  // The label of the password field, in each language.
  'web/src/i18n/es-EC/app.ts': /'login\.password': 'Contraseña'/,
  'web/src/i18n/en/app.ts': /'login\.password': 'Password'/,
  // The sessionStorage key name.
  'web/src/session.ts': /TOKEN_KEY = 'cartera\.token'/,
  // The demo users' password: published in the README, refused in production (config).
  'prisma/seed.ts': /DEMO_PASSWORD = 'cartera2026'/,
};

const SHIPPED = (file: string) =>
  !/^(tests|docs|bench)\//.test(file) && !/\.(md|lock)$/.test(file) && file !== 'package-lock.json';

function trackedTextFiles(): { file: string; text: string }[] {
  const files = execFileSync('git', ['ls-files', '-z'], { cwd: ROOT_DIR, encoding: 'utf8' })
    .split('\0')
    .filter(Boolean)
    .filter((f) => !/\.(png|jpe?g|gif|ico|pdf|xlsx|zip|gz|wasm|woff2?|ttf|bin)$/i.test(f));
  const out: { file: string; text: string }[] = [];
  for (const file of files) {
    let text: string;
    try {
      text = readFileSync(path.join(ROOT_DIR, file), 'utf8');
    } catch {
      continue; // listed but removed in the working tree
    }
    if (!text.includes('\0')) out.push({ file, text });
  }
  return out;
}

/** `file:line: rule` for every match not allowed. */
export function findSecrets(files: { file: string; text: string }[]): string[] {
  const found: string[] = [];
  for (const { file, text } of files) {
    for (const [rule, re] of Object.entries(ANYWHERE))
      if (re.test(text)) found.push(`${file}: ${rule}`);
    if (!SHIPPED(file)) continue;
    text.split('\n').forEach((line, i) => {
      for (const [rule, re] of Object.entries(IN_CODE)) {
        if (!re.test(line) || ALLOWED[file]?.test(line)) continue;
        found.push(`${file}:${i + 1}: ${rule}: ${line.trim().slice(0, 120)}`);
      }
    });
  }
  return found;
}

describe('secrets scan', () => {
  it('finds planted secrets (the scan works)', () => {
    const key = `-----BEGIN RSA PRIVATE KEY-----\n${'MIIEowIBAAKCAQEA'.repeat(8)}\n`;
    const planted = [
      { file: 'docs/x.md', text: key },
      { file: 'config/x.ts', text: `const apiKey = 'k3y-de-produccion-123';` },
      { file: 'api/x.ts', text: `const url = 'postgresql://cartera:Sup3r@db.internal/cartera';` },
      { file: 'deploy/x.env', text: 'DATABASE_URL=postgresql://cartera:<password>@<host>/cartera' },
      { file: 'tests/x.ts', text: `const token = 'a-test-token-is-fine';` },
      { file: 'api/y.ts', text: `const gh = 'ghp_${'a'.repeat(36)}';` },
    ];
    expect(findSecrets(planted).map((f) => f.split(':')[0])).toEqual([
      'docs/x.md',
      'config/x.ts',
      'api/x.ts',
      'api/y.ts',
    ]);
  });

  it('finds none in the tracked files', () => {
    const files = trackedTextFiles();
    expect(files.length).toBeGreaterThan(100);
    expect(findSecrets(files)).toEqual([]);
  });
});
