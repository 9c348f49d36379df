import { defineConfig } from 'drizzle-kit';

/** The PostgreSQL migrations, from the twins of schema.ts's tables (src/db/postgres-schema.ts). */
export default defineConfig({
  dialect: 'postgresql',
  schema: './src/db/postgres-schema.ts',
  out: './drizzle/postgres',
});
