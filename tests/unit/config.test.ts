import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, ROOT_DIR, loadConfig, type Config } from '../../config/index.js';

/** The error loadConfig throws for `env` (fails the test when it does not throw). */
function configError(env: Record<string, string>): ConfigError {
  try {
    loadConfig(env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return err as ConfigError;
  }
  throw new Error(`loadConfig accepted ${JSON.stringify(env)}`);
}

const tmp = mkdtempSync(path.join(os.tmpdir(), 'cartera-config-test-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const pem = (name: string, body: string) => {
  const file = path.join(tmp, name);
  writeFileSync(file, body);
  return file;
};
const CERT = pem('client.crt', '-----BEGIN CERTIFICATE-----\ncert\n-----END CERTIFICATE-----\n');
const KEY = pem('client.key', '-----BEGIN PRIVATE KEY-----\nkey\n-----END PRIVATE KEY-----\n');
const CA = pem('ca.pem', '-----BEGIN CERTIFICATE-----\nca\n-----END CERTIFICATE-----\n');

describe('defaults', () => {
  const config: Config = loadConfig({});

  it('runs everything locally on embedded services', () => {
    expect(config.env).toBe('development');
    expect(config.logLevel).toBe('info');
    expect(config.database).toEqual({ url: undefined, embeddedPort: 54329, poolSize: 20 });
    expect(config.workerActivities).toBe(32);
    expect(config.temporal).toMatchObject({
      address: undefined,
      namespace: 'default',
      taskQueue: 'cartera-cases',
      tls: false,
      apiKey: undefined,
      devPort: 7233,
      uiPort: 8233,
    });
    expect(config.api).toEqual({ host: '127.0.0.1', port: 3000, trustProxy: 'loopback' });
    expect(config.billing).toEqual({ url: undefined, apiKey: undefined, simulatorPort: 3100 });
    expect(config.policyFile).toBeUndefined();
    expect(config.demo).toEqual({ enabled: true, accounts: 8_000, seed: 20_261_128 });
    expect(config.openConcurrency).toBe(64);
  });

  it('keeps its data under .data in the repository', () => {
    expect(config.dataDir).toBe(path.join(ROOT_DIR, '.data'));
  });

  it('treats blank optional variables as unset', () => {
    const c = loadConfig({ DATABASE_URL: '  ', TEMPORAL_ADDRESS: '', BILLING_URL: ' ' });
    expect(c.database.url).toBeUndefined();
    expect(c.temporal.address).toBeUndefined();
    expect(c.billing.url).toBeUndefined();
  });

  it('reads explicit values and coerces numbers and flags', () => {
    const c = loadConfig({
      NODE_ENV: 'production',
      DATABASE_URL: 'postgresql://cartera:s3cret@db.internal/cartera',
      API_PORT: '8080',
      TEMPORAL_ADDRESS: ' temporal.internal:7233 ',
      CARTERA_DEMO: 'no',
      CARTERA_OPEN_CONCURRENCY: '8',
    });
    expect(c.env).toBe('production');
    expect(c.api.port).toBe(8080);
    expect(c.temporal.address).toBe('temporal.internal:7233');
    expect(c.demo.enabled).toBe(false);
    expect(c.openConcurrency).toBe(8);
  });
});

describe('production', () => {
  const PROD = {
    NODE_ENV: 'production',
    DATABASE_URL: 'postgresql://cartera:s3cret@db.internal/cartera',
    TEMPORAL_ADDRESS: 'temporal.internal:7233',
  };

  it('starts without demo data by default', () => {
    const c = loadConfig(PROD);
    expect(c.env).toBe('production');
    expect(c.demo.enabled).toBe(false);
    // …while development keeps the demo on by default.
    expect(loadConfig({}).demo.enabled).toBe(true);
  });

  it('refuses the demo users (published password)', () => {
    const err = configError({ ...PROD, CARTERA_DEMO: '1' });
    expect(err.message).toMatch(/NODE_ENV=production/);
    expect(err.message).toContain('CARTERA_DEMO');
    expect(loadConfig({ ...PROD, CARTERA_DEMO: 'no' }).demo.enabled).toBe(false);
  });

  it('refuses the embedded PostgreSQL and the dev server, naming both at once', () => {
    const err = configError({ NODE_ENV: 'production' });
    expect(err.message).toContain('DATABASE_URL');
    expect(err.message).toContain('TEMPORAL_ADDRESS');
  });

  it('refuses SMTP sign-in without a password and a short metrics token', () => {
    const err = configError({
      ...PROD,
      CARTERA_SMTP_HOST: 'smtp.internal',
      CARTERA_SMTP_USER: 'cartera',
      CARTERA_METRICS_TOKEN: 'corto',
    });
    expect(err.message).toContain('CARTERA_SMTP_PASSWORD');
    expect(err.message).toContain('CARTERA_METRICS_TOKEN');
    const ok = loadConfig({
      ...PROD,
      CARTERA_SMTP_HOST: 'smtp.internal',
      CARTERA_SMTP_USER: 'cartera',
      CARTERA_SMTP_PASSWORD: 'clave-smtp',
      CARTERA_METRICS_TOKEN: 'x'.repeat(24),
    });
    expect(ok.smtp.auth).toEqual({ user: 'cartera', password: 'clave-smtp' });
    expect(ok.metricsToken).toHaveLength(24);
  });

  it('allows all of it outside production (local runs and tests)', () => {
    expect(() =>
      loadConfig({ CARTERA_DEMO: '1', CARTERA_SMTP_USER: 'u', CARTERA_METRICS_TOKEN: 'corto' }),
    ).not.toThrow();
  });
});

describe('invalid environment', () => {
  it.each(['abc', '0', '70000', '80.5'])('rejects API_PORT=%j, naming the variable', (value) => {
    const err = configError({ API_PORT: value });
    expect(err.message).toContain('API_PORT');
  });

  it.each(['not a url', 'mysql://u@db:3306/x', 'http://db/x'])(
    'rejects DATABASE_URL=%j, naming the variable',
    (value) => {
      expect(configError({ DATABASE_URL: value }).message).toContain('DATABASE_URL');
    },
  );

  it('accepts postgres:// and postgresql:// URLs', () => {
    for (const url of ['postgres://u:p@db:5432/cartera', 'postgresql://u@db/cartera']) {
      expect(loadConfig({ DATABASE_URL: url }).database.url).toBe(url);
    }
  });

  it('lists every bad variable in one error', () => {
    const err = configError({ API_PORT: 'x', LOG_LEVEL: 'loud', TEMPORAL_TLS: 'maybe' });
    expect(err.name).toBe('ConfigError');
    for (const name of ['API_PORT', 'LOG_LEVEL', 'TEMPORAL_TLS'])
      expect(err.message).toContain(name);
  });
});

describe('Temporal TLS', () => {
  it('uses a client certificate pair when both files are given', () => {
    const tls = loadConfig({ TEMPORAL_TLS_CERT_PATH: CERT, TEMPORAL_TLS_KEY_PATH: KEY }).temporal
      .tls;
    expect(tls).not.toBe(false);
    if (tls === false) return;
    expect(tls.clientCertPair?.crt.toString()).toContain('cert');
    expect(tls.clientCertPair?.key.toString()).toContain('key');
  });

  it('rejects a certificate without its key, and a key without its certificate', () => {
    expect(configError({ TEMPORAL_TLS_CERT_PATH: CERT }).message).toMatch(
      /TEMPORAL_TLS_CERT_PATH and TEMPORAL_TLS_KEY_PATH/,
    );
    expect(configError({ TEMPORAL_TLS_KEY_PATH: KEY }).message).toMatch(
      /TEMPORAL_TLS_CERT_PATH and TEMPORAL_TLS_KEY_PATH/,
    );
  });

  it('rejects a certificate file that does not exist, naming the variable', () => {
    const missing = path.join(tmp, 'nope.crt');
    const err = configError({ TEMPORAL_TLS_CERT_PATH: missing, TEMPORAL_TLS_KEY_PATH: KEY });
    expect(err.message).toContain('TEMPORAL_TLS_CERT_PATH');
    expect(err.message).toContain(missing);
  });

  it('turns TLS on (without a client certificate) for an API key', () => {
    const t = loadConfig({
      TEMPORAL_ADDRESS: 'ns.acct.tmprl.cloud:7233',
      TEMPORAL_API_KEY: 'k',
    }).temporal;
    expect(t.apiKey).toBe('k');
    expect(t.tls).toEqual({});
  });

  it('turns TLS on with TEMPORAL_TLS=true', () => {
    expect(loadConfig({ TEMPORAL_TLS: 'true' }).temporal.tls).toEqual({});
    expect(loadConfig({ TEMPORAL_TLS: '0' }).temporal.tls).toBe(false);
  });

  it('carries a CA bundle and server name override', () => {
    const tls = loadConfig({ TEMPORAL_TLS_CA_PATH: CA, TEMPORAL_TLS_SERVER_NAME: 'temporal.local' })
      .temporal.tls;
    expect(tls).toMatchObject({ serverNameOverride: 'temporal.local' });
    if (tls === false) return;
    expect(tls.serverRootCACertificate?.toString()).toContain('ca');
    expect(tls.clientCertPair).toBeUndefined();
  });
});

describe('policy file', () => {
  it('resolves a relative CARTERA_POLICY against the repository root', () => {
    const file = loadConfig({ CARTERA_POLICY: 'policies/training.json' }).policyFile;
    expect(file).toBe(path.join(ROOT_DIR, 'policies', 'training.json'));
    expect(path.isAbsolute(file!)).toBe(true);
  });

  it('keeps an absolute CARTERA_POLICY as it is', () => {
    const abs = path.join(tmp, 'policy.json');
    expect(loadConfig({ CARTERA_POLICY: abs }).policyFile).toBe(abs);
  });
});

describe('Temporal Web UI link', () => {
  it('points at the local dev server UI by default, on its port', () => {
    expect(loadConfig({}).temporal.uiUrl).toBe('http://127.0.0.1:8233');
    expect(loadConfig({ TEMPORAL_UI_PORT: '9333' }).temporal.uiUrl).toBe('http://127.0.0.1:9333');
  });

  it('has no default for a remote cluster', () => {
    expect(
      loadConfig({ TEMPORAL_ADDRESS: 'temporal.internal:7233' }).temporal.uiUrl,
    ).toBeUndefined();
  });

  it('uses TEMPORAL_UI_URL when given', () => {
    const c = loadConfig({
      TEMPORAL_ADDRESS: 'temporal.internal:7233',
      TEMPORAL_UI_URL: 'https://temporal-ui.example.ec',
    });
    expect(c.temporal.uiUrl).toBe('https://temporal-ui.example.ec');
  });
});
