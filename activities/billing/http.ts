/** BillingAdapter over HTTP+JSON (a live commercial system, or the bundled simulator). */
import { type z } from 'zod';
import {
  BillingRejectedError,
  billingAccountSchema,
  postingResultSchema,
  type BillingAdapter,
  type PostAgreement,
  type PostFee,
  type RegisterPayment,
} from './port.js';

export interface HttpBillingOptions {
  baseUrl: string;
  apiKey?: string;
  /** Per-request timeout in milliseconds. @default 10000 */
  timeoutMs?: number;
  fetch?: typeof fetch;
}

export class HttpBillingAdapter implements BillingAdapter {
  private readonly base: string;
  private readonly doFetch: typeof fetch;
  constructor(private readonly opts: HttpBillingOptions) {
    this.base = opts.baseUrl.replace(/\/+$/, '');
    this.doFetch = opts.fetch ?? fetch;
  }

  private async call(method: string, path: string, body?: unknown): Promise<Response> {
    const res = await this.doFetch(`${this.base}${path}`, {
      method,
      headers: {
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...(this.opts.apiKey ? { authorization: `Bearer ${this.opts.apiKey}` } : {}),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(this.opts.timeoutMs ?? 10_000),
    });
    if (res.status >= 400 && res.status < 500 && res.status !== 404 && res.status !== 429) {
      throw new BillingRejectedError(
        `billing ${method} ${path}: ${res.status} ${await res.text()}`,
        res.status,
      );
    }
    if (res.status >= 500 || res.status === 429) {
      throw new Error(`billing ${method} ${path}: ${res.status} (temporary)`);
    }
    return res;
  }

  private async json<T>(schema: z.ZodType<T>, res: Response, what: string): Promise<T> {
    let body: unknown;
    try {
      body = await res.json();
    } catch {
      throw new Error(`billing ${what}: answer is not JSON (${res.status})`);
    }
    const parsed = schema.safeParse(body);
    if (!parsed.success)
      throw new Error(`billing answered an unexpected shape to ${what}: ${parsed.error.message}`);
    return parsed.data;
  }

  async getAccount(accountNumber: string) {
    const path = `/accounts/${encodeURIComponent(accountNumber)}`;
    const res = await this.call('GET', path);
    if (res.status === 404) return null;
    return this.json(billingAccountSchema, res, `GET ${path}`);
  }

  private async post(path: string, body: unknown) {
    const res = await this.call('POST', path, body);
    if (res.status === 404)
      throw new BillingRejectedError(`billing POST ${path}: unknown account`, 404);
    return this.json(postingResultSchema, res, `POST ${path}`);
  }

  postAgreement(req: PostAgreement) {
    return this.post('/agreements', req);
  }
  postFee(req: PostFee) {
    return this.post('/fees', req);
  }
  registerPayment(req: RegisterPayment) {
    return this.post('/payments', req);
  }
  async exportOverdueInvoices() {
    const res = await this.call('GET', '/export.csv');
    return res.text();
  }
}
