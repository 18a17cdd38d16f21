// Prisma 7 CLI configuration. Run Prisma through `node scripts/prisma.mjs …` (see docs/prisma.md).
// Prisma 7 does not read .env: DATABASE_URL (and optionally SHADOW_DATABASE_URL) come from the
// environment. Without DATABASE_URL, commands that need no database (generate, validate,
// format, migrate diff between schema files) still work.
import { defineConfig, env } from 'prisma/config';

export default defineConfig({
  schema: 'prisma/schema.prisma',
  migrations: {
    path: 'prisma/migrations',
  },
  ...(process.env.DATABASE_URL
    ? {
        datasource: {
          url: env('DATABASE_URL'),
          ...(process.env.SHADOW_DATABASE_URL
            ? { shadowDatabaseUrl: env('SHADOW_DATABASE_URL') }
            : {}),
        },
      }
    : {}),
});
