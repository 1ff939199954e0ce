// Wires the parts together: database (embedded unless DATABASE_URL), migrations, services, schema.
import { DataSource } from 'typeorm';
import { Config } from './config';
import { createDataSource } from './db/data-source';
import { EmbeddedDatabase, startEmbeddedPostgres } from './db/embedded';
import { createServices, Services } from './domain/services';
import { Role } from './domain/auth/role';
import { buildAppSchema } from './graphql/schema';
import { GraphQLSchema } from 'graphql';
import { Logger } from './logger';

export interface App {
  config: Config;
  log: Logger;
  db: DataSource;
  services: Services;
  schema: GraphQLSchema;
  embedded: EmbeddedDatabase | null;
  databaseUrl: string;
}

export async function openDatabase(config: Config, log: Logger): Promise<{ db: DataSource; embedded: EmbeddedDatabase | null; url: string }> {
  let embedded: EmbeddedDatabase | null = null;
  let url = config.databaseUrl;
  if (!url) {
    embedded = await startEmbeddedPostgres({ dataDir: config.dataDir, port: config.embeddedPort, log: (m) => log.warn({ embedded: true }, m) });
    url = embedded.url;
    log.info({ dataDir: config.dataDir, port: embedded.port }, 'embedded PostgreSQL started');
  }
  const db = createDataSource({ url, poolSize: config.poolSize, onError: (message, err) => log.error({ err }, message) });
  try {
    await db.initialize();
    const ran = await db.runMigrations({ transaction: 'each' });
    if (ran.length) log.info({ migrations: ran.map((m) => m.name) }, 'migrations applied');
  } catch (err) {
    if (db.isInitialized) await db.destroy();
    await embedded?.stop();
    throw err;
  }
  return { db, embedded, url };
}

export async function createApp(config: Config, log: Logger): Promise<App> {
  const { db, embedded, url } = await openDatabase(config, log);
  const services = createServices(db, { authRequired: config.auth === 'required' });
  if (config.adminApiKey) {
    await services.auth.createKey({ name: 'admin', role: Role.ADMIN, projects: [] }, config.adminApiKey);
    log.info('bootstrap admin api key from ADMIN_API_KEY is in place');
  }
  return { config, log, db, services, schema: buildAppSchema(), embedded, databaseUrl: url };
}

export async function closeApp(app: App): Promise<void> {
  if (app.db.isInitialized) await app.db.destroy();
  await app.embedded?.stop();
}
