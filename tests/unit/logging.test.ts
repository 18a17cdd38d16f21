/**
 * The system's logger on its own: personal and secret fields redacted at any of three levels,
 * errors without their messages or the rows they carry, free text scrubbed of e-mail addresses
 * and identity/phone numbers, and the Temporal Runtime logger going through the same rules.
 */
import { describe, expect, it } from 'vitest';
import {
  PERSONAL_KEYS,
  REDACTED,
  appLogger,
  createLogger,
  errorWithoutData,
  scrubText,
  temporalLogger,
} from '../../api/logging.js';

function capture() {
  const lines: string[] = [];
  const log = createLogger({ level: 'trace' }, { write: (s: string) => void lines.push(s) });
  return { log, lines, json: () => lines.map((l) => JSON.parse(l) as Record<string, unknown>) };
}

const CEDULA = '0926687856';
const EMAIL = 'maria.pii@example.ec';

describe('createLogger', () => {
  it.each(PERSONAL_KEYS.map((k) => [k]))('redacts %s at the top level and two levels down', (k) => {
    const { log, lines } = capture();
    log.info({ [k]: 'VALOR-SECRETO', a: { [k]: 'VALOR-SECRETO', b: { [k]: 'VALOR-SECRETO' } } });
    expect(lines.join('')).not.toContain('VALOR-SECRETO');
    expect(lines.join('')).toContain(REDACTED);
  });

  it('keeps what is not personal', () => {
    const { log, json } = capture();
    log.info({ caseId: 'c-1', stage: 'reminder', durationMs: 12 }, 'caso abierto');
    expect(json()[0]).toMatchObject({ caseId: 'c-1', stage: 'reminder', msg: 'caso abierto' });
  });

  it('logs errors by type, code and frames: no message, no data they carry', () => {
    const { log, lines, json } = capture();
    const err = Object.assign(new Error(`duplicate key (${CEDULA})`), {
      code: '23505',
      detail: `Key ("holderId")=(${CEDULA}) already exists.`,
      row: { email: EMAIL },
    });
    log.error({ err }, 'falló');
    log.warn({ error: err }, 'falló');
    expect(lines.join('')).not.toContain(CEDULA.slice(1));
    expect(lines.join('')).not.toContain(EMAIL);
    const [a, b] = json();
    expect(a!.err).toMatchObject({ type: 'Error', code: '23505' });
    expect((a!.err as { frames: string[] }).frames.length).toBeGreaterThan(0);
    expect(b!.error).toEqual(a!.err);
  });

  it('scrubs e-mail addresses and identity or phone numbers from messages', () => {
    const { log, lines } = capture();
    log.info(`aviso a ${EMAIL}, cédula ${CEDULA}, RUC ${CEDULA}001, celular +593987654321`);
    log.info('cuenta %s', `${EMAIL} 0987654321`);
    const text = lines.join('');
    for (const v of [EMAIL, CEDULA, '987654321']) expect(text).not.toContain(v);
    // Account numbers (7 digits) and amounts stay readable.
    log.info('cuenta 0012345 saldo 125.40');
    expect(lines.at(-1)).toContain('cuenta 0012345 saldo 125.40');
  });

  it('scrubText replaces what it recognises and nothing else', () => {
    expect(scrubText(`a ${EMAIL} b ${CEDULA} c 0012345`)).toBe('a [correo] b [número] c 0012345');
  });

  it('makes an error safe once (a second pass keeps the frames)', () => {
    const safe = errorWithoutData(new Error('x'));
    expect(errorWithoutData(safe)).toBe(safe);
  });
});

describe('appLogger', () => {
  it('redacts and strips errors even over a plain pino logger', async () => {
    const { pino } = await import('pino');
    const lines: string[] = [];
    const plain = pino({ level: 'info' }, { write: (s: string) => void lines.push(s) });
    appLogger(plain).error(
      { err: new Error(`no ${EMAIL}`), user: { password: 'clave-1234' } },
      'x',
    );
    expect(lines.join('')).not.toMatch(/example\.ec|clave-1234/);
  });
});

describe('temporalLogger', () => {
  it('passes SDK logs through the same rules, nested metadata included', () => {
    const { log, lines, json } = capture();
    const t = temporalLogger(log);
    t.warn(`Activity failed for ${EMAIL}`, {
      error: new Error(`billing refused ${CEDULA}`),
      activityType: 'queueNotice',
      failure: { message: `no ${EMAIL}`, cause: { details: CEDULA } },
    });
    t.log('INFO', 'Worker state changed', { state: 'RUNNING' });
    const text = lines.join('');
    expect(text).not.toContain(EMAIL);
    expect(text).not.toContain(CEDULA.slice(1));
    const [warn, info] = json();
    expect(warn).toMatchObject({ level: 40, activityType: 'queueNotice' });
    expect(info).toMatchObject({ level: 30, state: 'RUNNING', msg: 'Worker state changed' });
  });
});
