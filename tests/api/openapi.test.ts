/** The OpenAPI document: valid 3.1, generated from the route table, covering every route. */
import { Validator } from '@seriousme/openapi-schema-validator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openApiPath, operationId, type OpenApiDocument } from '../../api/openapi.js';
import { implicitErrorStatuses } from '../../api/route-table.js';
import { startTestApi, type TestApi } from './support.js';

describe('OpenAPI document', () => {
  let api: TestApi;
  let doc: OpenApiDocument;

  beforeAll(async () => {
    api = await startTestApi();
    const r = await api.call<OpenApiDocument>('get', '/api/openapi.json');
    expect(r.status).toBe(200);
    doc = r.body;
  });
  afterAll(() => api?.close());

  it('is a valid OpenAPI 3.1 document whose references all resolve', async () => {
    expect(doc.openapi).toMatch(/^3\.1\./);
    const validator = new Validator();
    const result = await validator.validate(structuredClone(doc));
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect(validator.version).toBe('3.1');
    expect(() => validator.resolveRefs()).not.toThrow();
  });

  it('describes every route of the table with its answers, roles and security', () => {
    const ids = new Set<string>();
    for (const route of api.routes) {
      const op = doc.paths[openApiPath(route.path)]?.[route.method];
      expect(op, `${route.method} ${route.path}`).toBeDefined();
      ids.add(op!.operationId);
      expect(op!.operationId).toBe(operationId(route));
      const statuses = [
        ...Object.keys(route.responses).map(Number),
        ...implicitErrorStatuses(route),
      ].map(String);
      expect(Object.keys(op!.responses).sort()).toEqual([...new Set(statuses)].sort());
      expect(op!['x-roles']).toEqual(
        typeof route.roles === 'string' ? route.roles : [...route.roles],
      );
      expect(op!.security).toEqual(
        route.roles === 'public'
          ? []
          : [route.roles === 'apiKey' ? { apiKey: [] } : { bearerAuth: [] }],
      );
    }
    expect(ids.size).toBe(api.routes.length);
    const documented = Object.values(doc.paths).flatMap((ops) => Object.keys(ops)).length;
    expect(documented).toBe(api.routes.length);
  });

  it('documents money as decimal strings and the upload as multipart/form-data', () => {
    const list = doc.paths['/api/cases']!.get!;
    const item = (
      list.responses['200'] as {
        content: {
          'application/json': {
            schema: {
              properties: {
                items: {
                  items: { properties: Record<string, { pattern?: string; type?: string }> };
                };
              };
            };
          };
        };
      }
    ).content['application/json'].schema.properties.items.items.properties;
    expect(item.balance).toMatchObject({ type: 'string', pattern: '^-?\\d+\\.\\d{2}$' });
    const upload = doc.paths['/api/imports/portfolio']!.post!.requestBody as {
      content: Record<string, { schema: { required: string[] } }>;
    };
    expect(Object.keys(upload.content)).toEqual(['multipart/form-data']);
    expect(upload.content['multipart/form-data']!.schema.required).toEqual(['file']);
    const params = doc.paths['/api/cases/{id}']!.get!.parameters as { name: string; in: string }[];
    expect(params).toEqual([expect.objectContaining({ name: 'id', in: 'path', required: true })]);
    const query = doc.paths['/api/cases']!.get!.parameters as { name: string; in: string }[];
    expect(query.map((p) => p.name)).toEqual([
      'status',
      'stage',
      'sector',
      'q',
      'collectorId',
      'priorityMin',
      'amountMin',
      'amountMax',
      'daysOverdueMin',
      'daysOverdueMax',
      'sort',
      'order',
      'page',
      'pageSize',
    ]);
  });

  it('serves a browsable reference page from the package, not a CDN', async () => {
    const redirect = await fetch(`${api.url}/api/docs`, { redirect: 'manual' });
    expect(redirect.status).toBe(301);
    const page = await api.call<string>('get', '/api/docs/');
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    expect(page.body).not.toMatch(/https?:\/\//);
    for (const asset of ['swagger-ui-bundle.js', 'swagger-ui.css', 'init.js']) {
      expect(page.body).toContain(asset);
      const r = await fetch(`${api.url}/api/docs/${asset}`);
      expect(r.status, asset).toBe(200);
    }
    const init = await (await fetch(`${api.url}/api/docs/init.js`)).text();
    expect(init).toContain('/api/openapi.json');
    // The package's own demo page (pointing at the petstore) is not served.
    expect((await fetch(`${api.url}/api/docs/swagger-initializer.js`)).status).toBe(404);
  });
});
