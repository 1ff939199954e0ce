// Wires the parts together: database (embedded unless DATABASE_URL), migrations, services, schema.
import type { Pool } from 'pg';
import { DataSource, MigrationExecutor } from 'typeorm';
import { Config } from './config';
import { createDataSource } from './db/data-source';
import { installPoolGate, PoolGate } from './db/pool-gate';
import { EmbeddedDatabase, startEmbeddedPostgres } from './db/embedded';
import { createServices, Services } from './domain/services';
import { Role } from './domain/auth/role';
import { buildAppSchema } from './graphql/schema';
import { GraphQLSchema } from 'graphql';
import { Logger } from './logger';
import { removeOldEvents } from './domain/events/events.retention';
import { WebhookDispatcher } from './domain/events/webhooks.service';

interface BackgroundJobs {
  webhooks: WebhookDispatcher;
  stop(): Promise<void>;
}

/** Work every replica does beside answering requests: webhook deliveries and event retention. */
function startBackgroundJobs(db: DataSource, url: string, config: Config, log: Logger): BackgroundJobs {
  const webhooks = new WebhookDispatcher(url, config.webhooks, (err) => log.warn({ err }, 'webhook delivery failed; retrying'));
  webhooks.start();
  const retention = () => removeOldEvents(db, config.eventRetentionDays)
    .then((n) => n && log.info({ removed: n }, 'old events removed'))
    .catch((err) => log.warn({ err }, 'event retention failed'));
  const first = setTimeout(retention, 60_000);
  const hourly = setInterval(retention, 3_600_000);
  first.unref();
  hourly.unref();
  return {
    webhooks,
    stop: async () => {
      clearTimeout(first);
      clearInterval(hourly);
      await webhooks.stop();
    },
  };
}

export interface App {
  config: Config;
  log: Logger;
  db: DataSource;
  services: Services;
  schema: GraphQLSchema;
  embedded: EmbeddedDatabase | null;
  databaseUrl: string;
  background: BackgroundJobs;
}

/** Any fixed 64-bit number: the key of the advisory lock held while migrating. */
const MIGRATION_LOCK = 7_263_540_112;

export async function openDatabase(config: Config, log: Logger): Promise<{ db: DataSource; embedded: EmbeddedDatabase | null; url: string }> {
  let embedded: EmbeddedDatabase | null = null;
  let url = config.databaseUrl;
  if (!url) {
    embedded = await startEmbeddedPostgres({ dataDir: config.dataDir, port: config.embeddedPort, log: (m) => log.warn({ embedded: true }, m) });
    url = embedded.url;
    log.info({ dataDir: config.dataDir, port: embedded.port }, 'embedded PostgreSQL started');
  }
  const db = createDataSource({
    url, poolSize: config.poolSize, onError: (message, err) => log.error({ err }, message),
    statementTimeoutMs: config.statementTimeoutMs, writeStatementTimeoutMs: config.writeStatementTimeoutMs,
  });
  try {
    await db.initialize();
    installPoolGate((db.driver as unknown as { master: Pool }).master, new PoolGate({
      size: config.poolSize, reserved: config.poolReserved, heavyAfterMs: config.heavyAfterMs,
      waitMs: config.statementTimeoutMs || 60_000,
    }));
    // Replicas starting together on an empty database would race to create the schema: the
    // first takes this advisory lock and migrates, the others wait and then find nothing to do.
    const lock = db.createQueryRunner();
    let ran;
    try {
      await lock.connect();
      // Waiting for another replica's migrations and building indexes may take longer than any
      // request may: no statement timeout on this connection until it goes back to the pool.
      await lock.query('SET statement_timeout = 0');
      await lock.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
      const migrations = new MigrationExecutor(db, lock);
      migrations.transaction = 'each';
      ran = await migrations.executePendingMigrations();
      await lock.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]);
      await lock.query('RESET statement_timeout');
    } finally {
      await lock.release();
    }
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
  const services = createServices(db, { authRequired: config.auth === 'required', webhooks: config.webhooks });
  if (config.adminApiKey) {
    await services.auth.createKey({ name: 'admin', role: Role.ADMIN, projects: [] }, config.adminApiKey);
    log.info('bootstrap admin api key from ADMIN_API_KEY is in place');
  }
  const background = startBackgroundJobs(db, url, config, log);
  return { config, log, db, services, schema: buildAppSchema(), embedded, databaseUrl: url, background };
}

export async function closeApp(app: App): Promise<void> {
  await app.background.stop();
  if (app.db.isInitialized) await app.db.destroy();
  await app.embedded?.stop();
}
