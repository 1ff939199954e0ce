// The TypeORM DataSource over PostgreSQL; migrations run on start, synchronize never.
import { DataSource, EntityTarget, ObjectLiteral } from 'typeorm';
import { ENTITIES } from './entities';
import { SnakeNamingStrategy } from './naming';
import { CountingLogger } from './request-scope';
import { InitialSchema1764043200000 } from './migrations/1764043200000-initial-schema';
import { TagFilterIndexes1764050400000 } from './migrations/1764050400000-tag-filter-indexes';
import { StageChangeSequence1764100000000 } from './migrations/1764100000000-stage-change-sequence';
import { IdempotencyKey1764100000001 } from './migrations/1764100000001-idempotency-key';
import { UpdatedAt1764140000000 } from './migrations/1764140000000-updated-at';
import { SoftDelete1764141000000 } from './migrations/1764141000000-soft-delete';
import { MetadataIndexes1764142000000 } from './migrations/1764142000000-metadata-indexes';
import { ProtectedTags1764143000000 } from './migrations/1764143000000-protected-tags';
import { OpenLineage1764150000000 } from './migrations/1764150000000-openlineage';
import { Events1764160000000 } from './migrations/1764160000000-events';
import { ApiKeyUniqueName1764170000000 } from './migrations/1764170000000-api-key-unique-name';

export const MIGRATIONS = [
  InitialSchema1764043200000, TagFilterIndexes1764050400000, StageChangeSequence1764100000000, IdempotencyKey1764100000001, UpdatedAt1764140000000,
  SoftDelete1764141000000, MetadataIndexes1764142000000, ProtectedTags1764143000000, OpenLineage1764150000000, Events1764160000000, ApiKeyUniqueName1764170000000,
];

export interface DataSourceOptions {
  url: string;
  poolSize: number;
  onError: (message: string, err: unknown) => void;
  /** statement_timeout of every connection (reads); 0 or unset: none. */
  statementTimeoutMs?: number;
  /** statement_timeout inside mutation transactions, when it differs from statementTimeoutMs. */
  writeStatementTimeoutMs?: number;
}

/** The statement timeout transaction() sets for its writes, per DataSource. */
export const writeTimeouts = new WeakMap<DataSource, number>();

export function createDataSource(options: DataSourceOptions): DataSource {
  const db = new DataSource({
    type: 'postgres',
    url: options.url,
    entities: ENTITIES,
    migrations: MIGRATIONS,
    migrationsTransactionMode: 'each',
    synchronize: false,
    namingStrategy: new SnakeNamingStrategy(),
    logger: new CountingLogger(options.onError),
    poolSize: options.poolSize,
    extra: {
      // Fail fast when the database is away instead of queueing requests for minutes.
      connectionTimeoutMillis: 3000,
      idleTimeoutMillis: 30_000,
      application_name: 'ml-asset-graph',
      // Sent with the connection's start-up packet: no statement of ours runs unbounded.
      ...(options.statementTimeoutMs ? { statement_timeout: options.statementTimeoutMs } : {}),
    },
  });
  if (options.writeStatementTimeoutMs !== undefined && options.writeStatementTimeoutMs !== (options.statementTimeoutMs ?? 0)) {
    writeTimeouts.set(db, options.writeStatementTimeoutMs);
  }
  return db;
}

type Hydrator<T> = (row: Record<string, unknown>) => T;
const hydrators = new WeakMap<object, Hydrator<unknown>>();

/** Turns a raw row (snake_case columns) into an entity instance, the same as TypeORM would. */
export function hydrate<T extends ObjectLiteral>(db: DataSource, entity: EntityTarget<T>, row: Record<string, unknown>): T {
  let fn = hydrators.get(entity as object) as Hydrator<T> | undefined;
  if (!fn) {
    const metadata = db.getMetadata(entity);
    const pairs = metadata.columns.map((c) => [c.propertyName, c.databaseName] as const);
    const target = metadata.target as new () => T;
    fn = (r) => {
      const obj = new target() as Record<string, unknown>;
      for (const [prop, column] of pairs) obj[prop] = r[column];
      return obj as T;
    };
    hydrators.set(entity as object, fn as Hydrator<unknown>);
  }
  return fn(row);
}
