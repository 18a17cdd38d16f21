/** Health, readiness, unknown routes, malformed bodies, and how Temporal refusals map to HTTP. */
import {
  WorkflowUpdateFailedError,
  WorkflowUpdateRPCTimeoutOrCancelledError,
} from '@temporalio/client';
import { ApplicationFailure, WorkflowNotFoundError } from '@temporalio/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fromTemporal } from '../../api/errors.js';
import { startTestApi, type TestApi } from './support.js';

describe('platform routes', () => {
  let api: TestApi;
  let ready = true;
  beforeAll(async () => {
    api = await startTestApi({
      readiness: async () => ({ postgres: true, temporal: ready }),
    });
  });
  afterAll(() => api?.close());

  it('answers liveness and readiness', async () => {
    expect((await api.call('get', '/healthz')).body).toEqual({ status: 'ok' });
    const up = await api.call('get', '/readyz');
    expect(up.status).toBe(200);
    expect(up.body).toEqual({ status: 'ready', checks: { postgres: true, temporal: true } });
    ready = false;
    const down = await api.call('get', '/readyz');
    expect(down.status).toBe(503);
    expect(down.body).toMatchObject({ status: 'not_ready', checks: { temporal: false } });
    ready = true;
  });

  it('answers 404 in JSON for unknown API routes', async () => {
    const r = await api.call<{ error: { code: string } }>('get', '/api/nada', {
      token: api.tokens.admin,
    });
    expect(r.status).toBe(404);
    expect(r.body.error.code).toBe('not_found');
  });

  it('answers 400 in Spanish for a body that is not JSON', async () => {
    const r = await fetch(`${api.url}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"username": ',
    });
    expect(r.status).toBe(400);
    const body = (await r.json()) as { error: { message: string } };
    expect(body.error.message).toBe('El cuerpo no es JSON válido');
  });
});

describe('Temporal refusals → HTTP', () => {
  const updateFailed = (type: string, message = 'motivo') =>
    new WorkflowUpdateFailedError('update failed', ApplicationFailure.nonRetryable(message, type));

  it.each([
    ['TaskNotOpen', 409],
    ['Conflict', 409],
    ['CaseClosed', 409],
    ['InvalidForm', 400],
    ['BusinessRule', 422],
    ['Forbidden', 403],
  ])('%s → %i with the workflow’s reason', (type, status) => {
    const e = fromTemporal(updateFailed(type, 'La tarea ya no está abierta'));
    expect(e?.status).toBe(status);
    expect(e?.message).toBe('La tarea ya no está abierta');
  });

  it('leaves unknown failure types to the 500 path', () => {
    expect(fromTemporal(updateFailed('SomethingElse'))).toBeNull();
    expect(fromTemporal(new Error('boom'))).toBeNull();
  });

  it('maps a finished workflow to 409 and an update timeout to 503', () => {
    expect(fromTemporal(new WorkflowNotFoundError('gone', 'case-1', undefined))?.status).toBe(409);
    expect(fromTemporal(new WorkflowUpdateRPCTimeoutOrCancelledError('timeout'))?.status).toBe(503);
  });
});
