// Bulk loading through pg: rows are buffered per table and written as one multi-row
// INSERT … SELECT FROM unnest($1::uuid[], …) per table, parents before children so every
// foreign key holds at each flush.
import { ClientBase } from 'pg';

type ColumnType = 'uuid' | 'text' | 'int' | 'bool' | 'timestamptz' | 'jsonb';

export const TABLES = {
  project: [['id', 'uuid'], ['name', 'text'], ['description', 'text'], ['created_at', 'timestamptz']],
  tag: [['project_id', 'uuid'], ['id', 'uuid'], ['name', 'text'], ['color', 'text'], ['exclusive', 'bool'], ['created_at', 'timestamptz']],
  pipeline: [['project_id', 'uuid'], ['id', 'uuid'], ['name', 'text'], ['description', 'text'], ['created_at', 'timestamptz']],
  artifact: [['project_id', 'uuid'], ['id', 'uuid'], ['name', 'text'], ['version_counter', 'int'], ['created_at', 'timestamptz']],
  model: [['project_id', 'uuid'], ['id', 'uuid'], ['name', 'text'], ['description', 'text'], ['license', 'text'], ['version_counter', 'int'], ['created_at', 'timestamptz']],
  model_version: [['project_id', 'uuid'], ['id', 'uuid'], ['model_id', 'uuid'], ['number', 'int'], ['name', 'text'], ['stage', 'text'], ['metadata', 'jsonb'], ['created_at', 'timestamptz']],
  pipeline_run: [['project_id', 'uuid'], ['id', 'uuid'], ['pipeline_id', 'uuid'], ['name', 'text'], ['status', 'text'], ['model_version_id', 'uuid'], ['started_at', 'timestamptz'], ['ended_at', 'timestamptz'], ['created_at', 'timestamptz']],
  step_run: [['project_id', 'uuid'], ['id', 'uuid'], ['run_id', 'uuid'], ['name', 'text'], ['status', 'text'], ['started_at', 'timestamptz'], ['ended_at', 'timestamptz'], ['created_at', 'timestamptz']],
  artifact_version: [['project_id', 'uuid'], ['id', 'uuid'], ['artifact_id', 'uuid'], ['version', 'text'], ['type', 'text'], ['uri', 'text'], ['data_type', 'text'], ['producer_step_id', 'uuid'], ['producer_run_id', 'uuid'], ['output_name', 'text'], ['created_at', 'timestamptz']],
  step_input: [['project_id', 'uuid'], ['step_run_id', 'uuid'], ['name', 'text'], ['artifact_version_id', 'uuid']],
  model_artifact_link: [['project_id', 'uuid'], ['model_version_id', 'uuid'], ['name', 'text'], ['kind', 'text'], ['artifact_version_id', 'uuid'], ['created_at', 'timestamptz']],
  tag_assignment: [['project_id', 'uuid'], ['tag_id', 'uuid'], ['resource_type', 'text'], ['resource_id', 'uuid'], ['scope_id', 'uuid'], ['is_exclusive', 'bool'], ['created_at', 'timestamptz']],
} satisfies Record<string, [string, ColumnType][]>;

export type Table = keyof typeof TABLES;
const ORDER = Object.keys(TABLES) as Table[];

function insertSql(table: Table): string {
  const cols = TABLES[table] as [string, ColumnType][];
  // jsonb travels as text[] (pg has no jsonb[] literal path we want), cast per row.
  const params = cols.map(([, type], i) => `$${i + 1}::${type === 'jsonb' ? 'text' : type}[]`).join(', ');
  const select = cols.map(([name, type]) => (type === 'jsonb' ? `u.${name}::jsonb` : `u.${name}`)).join(', ');
  return `INSERT INTO ${table} (${cols.map(([n]) => n).join(', ')}) SELECT ${select} FROM unnest(${params}) AS u(${cols.map(([n]) => n).join(', ')})`;
}

export class BulkWriter {
  private readonly buffers = new Map<Table, unknown[][]>();
  private buffered = 0;
  private pending: Promise<unknown> = Promise.resolve();
  readonly counts: Record<string, number> = {};

  constructor(private readonly client: ClientBase, private readonly chunk = 20_000) {}

  /** Values in the column order of TABLES[table]. */
  async add(table: Table, row: unknown[]): Promise<void> {
    let cols = this.buffers.get(table);
    if (!cols) this.buffers.set(table, (cols = TABLES[table].map(() => [])));
    for (let i = 0; i < row.length; i++) cols[i].push(row[i]);
    this.buffered++;
    this.counts[table] = (this.counts[table] ?? 0) + 1;
    if (this.buffered >= this.chunk) await this.flush();
  }

  /**
   * Sends the buffered rows and returns once the previous batch is written: generating the
   * next batch in JS overlaps with PostgreSQL writing this one. One client runs its
   * statements in order, so parents still land before children.
   */
  async flush(): Promise<void> {
    const previous = this.pending;
    const batch: [string, unknown[][]][] = [];
    for (const table of ORDER) {
      const cols = this.buffers.get(table);
      if (cols && cols[0].length) batch.push([insertSql(table), cols]);
    }
    this.buffers.clear();
    this.buffered = 0;
    this.pending = previous.then(async () => {
      for (const [text, values] of batch) await this.client.query(text, values);
    });
    // Keep a failed batch from being reported as an unhandled rejection before it is awaited.
    this.pending.catch(() => {});
    await previous;
  }

  async finish(): Promise<void> {
    await this.flush();
    await this.pending;
  }
}

/** A small deterministic PRNG (mulberry32) so a seed gives the same data set every time. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
