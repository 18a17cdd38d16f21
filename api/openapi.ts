/** The OpenAPI 3.1 document of a route table, its schemas generated from the zod schemas. */
import { z } from 'zod';
import { fileMediaType, implicitErrorStatuses, type Route } from './route-table.js';
import { errorBodySchema } from './schemas.js';

type JsonSchema = Record<string, unknown>;
export type OpenApiDocument = Record<string, unknown> & {
  openapi: string;
  paths: Record<string, Record<string, Operation>>;
};
export interface Operation {
  operationId: string;
  summary: string;
  tags: string[];
  security: Record<string, string[]>[];
  'x-roles': string[] | 'public' | 'apiKey';
  parameters?: unknown[];
  requestBody?: unknown;
  responses: Record<string, { description: string; content?: unknown }>;
  description?: string;
}

const TAGS: Record<string, string> = {
  sesión: 'Inicio y cierre de sesión, contraseña',
  casos: 'Casos de cobranza',
  importaciones: 'Importación de la cartera desde facturación',
  operación: 'Salud del servicio y documentación',
};

const STATUS_TEXT: Record<number, string> = {
  200: 'Correcto',
  201: 'Creado',
  202: 'Aceptado; sigue en segundo plano',
  204: 'Hecho, sin contenido',
  400: 'Datos inválidos (errores por campo en `fields`)',
  401: 'Sin sesión válida (o sin clave de API)',
  403: 'El rol no permite esta acción',
  404: 'No existe (o no es visible para el usuario)',
  409: 'Conflicto con el estado actual (p. ej. tarea ya completada)',
  413: 'Demasiado grande',
  422: 'Viola una regla del negocio (el motivo va en `message`)',
  429: 'Demasiados intentos; ver Retry-After',
  500: 'Error interno (sin detalles)',
  503: 'No disponible por ahora',
};

/** Express `/api/cases/:id` → OpenAPI `/api/cases/{id}`. */
export const openApiPath = (path: string) => path.replace(/:([A-Za-z0-9_]+)/g, '{$1}');

export function operationId(route: Route): string {
  const words = openApiPath(route.path)
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean);
  return [route.method, ...words.map((w) => w[0]!.toUpperCase() + w.slice(1))].join('');
}

export function openApiDocument(routes: Route[], info: { version: string }): OpenApiDocument {
  const components: Record<string, JsonSchema> = {};
  /** JSON Schema of a zod schema, with named ($defs) schemas moved to components. */
  const toSchema = (schema: z.ZodType, io: 'input' | 'output'): JsonSchema => {
    const json = z.toJSONSchema(schema, {
      target: 'draft-2020-12',
      io,
      unrepresentable: 'any',
    }) as JsonSchema;
    delete json.$schema;
    const defs = (json.$defs ?? {}) as Record<string, JsonSchema>;
    delete json.$defs;
    for (const [name, def] of Object.entries(defs)) {
      const known = components[name];
      if (known && JSON.stringify(known) !== JSON.stringify(def))
        throw new Error(`OpenAPI: two different schemas named ${name}`);
      components[name] = def;
    }
    // A schema registered with an id (errorBodySchema) comes back as a bare reference.
    return JSON.parse(
      JSON.stringify(json).replaceAll('"#/$defs/', '"#/components/schemas/'),
    ) as JsonSchema;
  };
  const errorRef = toSchema(z.object({ e: errorBodySchema }), 'output');
  const errorSchema = (errorRef.properties as Record<string, JsonSchema>).e!;

  const paths: OpenApiDocument['paths'] = {};
  for (const route of routes) {
    const op: Operation = {
      operationId: operationId(route),
      summary: route.summary,
      tags: route.tags,
      security:
        route.roles === 'public'
          ? []
          : route.roles === 'apiKey'
            ? [{ apiKey: [] }]
            : [{ bearerAuth: [] }],
      'x-roles':
        route.roles === 'public' || route.roles === 'apiKey' ? route.roles : [...route.roles],
      responses: {},
    };
    const who =
      route.roles === 'public'
        ? 'Pública.'
        : route.roles === 'apiKey'
          ? 'Para sistemas externos, con su clave en `x-api-key`.'
          : `Roles: ${route.roles.join(', ')}.`;
    op.description = [route.description, who].filter(Boolean).join('\n\n');

    const parameters: unknown[] = [];
    for (const [where, schema] of [
      ['path', route.request?.params],
      ['query', route.request?.query],
    ] as const) {
      if (!schema) continue;
      const json = toSchema(schema, 'input');
      const props = (json.properties ?? {}) as Record<string, JsonSchema>;
      const required = new Set((json.required ?? []) as string[]);
      for (const [name, s] of Object.entries(props)) {
        const { description, ...rest } = s;
        parameters.push({
          name,
          in: where,
          required: where === 'path' || required.has(name),
          ...(description ? { description } : {}),
          schema: rest,
        });
      }
    }
    if (parameters.length > 0) op.parameters = parameters;

    if (route.request?.body) {
      op.requestBody = {
        required: true,
        content: { 'application/json': { schema: toSchema(route.request.body, 'input') } },
      };
    } else if (route.multipart) {
      const m = route.multipart;
      op.requestBody = {
        required: true,
        content: {
          'multipart/form-data': {
            schema: {
              type: 'object',
              properties: {
                [m.field]: {
                  type: 'string',
                  contentMediaType: 'application/octet-stream',
                  description: `${m.description} (máximo ${Math.round(m.maxBytes / 1024 / 1024)} MB)`,
                },
              },
              required: [m.field],
            },
          },
        },
      };
    }

    const statuses = new Set([
      ...Object.keys(route.responses).map(Number),
      ...implicitErrorStatuses(route),
    ]);
    for (const status of [...statuses].sort((a, b) => a - b)) {
      const declared = route.responses[status];
      const description = STATUS_TEXT[status] ?? `HTTP ${status}`;
      const file = declared ? fileMediaType(declared) : undefined;
      if (declared === null) op.responses[status] = { description };
      else if (file)
        op.responses[status] = {
          description,
          content: { [file]: { schema: { type: 'string', contentMediaType: file } } },
        };
      else
        op.responses[status] = {
          description,
          content: {
            'application/json': {
              schema: declared ? toSchema(declared, 'output') : errorSchema,
            },
          },
        };
    }

    const path = openApiPath(route.path);
    (paths[path] ??= {})[route.method] = op;
  }

  const usedTags = [...new Set(routes.flatMap((r) => r.tags))];
  return {
    openapi: '3.1.1',
    info: {
      title: 'Cartera API',
      version: info.version,
      description:
        'API de Cartera (gestión de cobranza y coactiva). Los montos viajan como texto con dos decimales ("125.40"); las fechas legales como YYYY-MM-DD (America/Guayaquil); los instantes en ISO 8601 UTC.',
    },
    tags: usedTags.map((name) => ({ name, ...(TAGS[name] ? { description: TAGS[name] } : {}) })),
    paths,
    components: {
      schemas: components,
      securitySchemes: {
        bearerAuth: {
          type: 'http',
          scheme: 'bearer',
          description: 'Token de `POST /api/auth/login`',
        },
        apiKey: { type: 'apiKey', in: 'header', name: 'x-api-key' },
      },
    },
  };
}
