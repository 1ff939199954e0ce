// Prometheus metrics: one registry per app (tests run several apps in one process), process
// metrics once per process. Label values are bounded: clients choose operation names.
import type { ApolloServerPlugin, GraphQLRequestListener } from '@apollo/server';
import type { DataSource } from 'typeorm';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { requestScope, RequestScope } from '../db/request-scope';

/** Distinct operation names we keep a series for; later names share the label "other". */
export const MAX_OPERATION_LABELS = 200;
/** Longer operation names are cut to this many characters in labels. */
export const MAX_OPERATION_NAME_LENGTH = 64;
/** No operation was resolved: the request failed before (parse, validation, bad body, CSRF). */
export const UNKNOWN_OPERATION = 'unknown';
export const ANONYMOUS_OPERATION = 'anonymous';
export const OTHER_OPERATION = 'other';
const MAX_CODE_LABELS = 50;

export type HttpRoute = 'graphql' | 'lineage' | 'playground' | 'console' | 'metrics' | 'healthz' | 'readyz' | 'not_found' | 'forbidden_host';

/** What the Apollo plugin leaves on the request scope for the HTTP layer to record. */
export interface MetricsScope extends RequestScope {
  metricsOperation?: OperationSeries;
}

/** Labelled children made once per operation name: a request builds no label object. */
interface OperationSeries {
  name: string;
  duration: Histogram.Internal<'operation'>;
  sqlStatements: Histogram.Internal<'operation'>;
  byStatus: Map<number, Counter.Internal>;
  byCode: Map<string, Counter.Internal>;
}

let processRegistry: Registry | undefined;

/** Process metrics describe the process, not an app: collected once, whatever the number of apps. */
function processMetrics(): Registry {
  if (!processRegistry) {
    processRegistry = new Registry();
    collectDefaultMetrics({ register: processRegistry });
  }
  return processRegistry;
}

interface PgPool {
  totalCount: number;
  idleCount: number;
  waitingCount: number;
}

export class Metrics {
  readonly registry = new Registry();
  readonly contentType = this.registry.contentType;
  readonly plugin: ApolloServerPlugin;

  private readonly operations = new Map<string, OperationSeries>();
  private readonly unknown: OperationSeries;
  private readonly other: OperationSeries;
  private readonly codes = new Set<string>();
  private readonly httpByRoute = new Map<HttpRoute, Map<number, Counter.Internal>>();

  private readonly httpRequests = new Counter({
    name: 'mag_http_requests_total', help: 'HTTP requests by route and status, every route', labelNames: ['route', 'status'] as const, registers: [this.registry],
  });
  private readonly requests = new Counter({
    name: 'mag_graphql_requests_total', help: 'GraphQL requests by operation name and HTTP status', labelNames: ['operation', 'status'] as const, registers: [this.registry],
  });
  private readonly duration = new Histogram({
    name: 'mag_graphql_request_duration_seconds', help: 'GraphQL request latency, from the first byte read to the last byte written',
    labelNames: ['operation'] as const, buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10], registers: [this.registry],
  });
  private readonly errors = new Counter({
    name: 'mag_graphql_errors_total', help: 'GraphQL errors sent, by operation and extensions.code', labelNames: ['operation', 'code'] as const, registers: [this.registry],
  });
  private readonly sqlStatements = new Histogram({
    name: 'mag_graphql_sql_statements', help: 'SQL statements sent for one GraphQL request',
    labelNames: ['operation'] as const, buckets: [0, 1, 2, 3, 5, 8, 13, 21, 34, 55, 89], registers: [this.registry],
  });

  private readonly operationsByPath = new Counter({
    name: 'mag_graphql_operations_total', help: 'GraphQL operations by the path that answered them: compiled (one SQL statement) or resolvers',
    labelNames: ['path'] as const, registers: [this.registry],
  });
  private readonly compiledOperations = this.operationsByPath.labels('compiled');
  private readonly resolverOperations = this.operationsByPath.labels('resolvers');

  constructor(db: DataSource, poolSize: number) {
    // Created with the first app, not at the first scrape: process CPU counts from creation.
    processMetrics();
    const pool = () => (db.isInitialized ? ((db.driver as unknown as { master?: PgPool }).master ?? null) : null);
    const poolGauge = (name: string, help: string, read: (p: PgPool) => number) => new Gauge({
      name, help, registers: [this.registry],
      collect() {
        const p = pool();
        this.set(p ? read(p) : 0);
      },
    });
    poolGauge('mag_db_pool_connections', 'Connections the pg pool holds, idle or in use', (p) => p.totalCount);
    poolGauge('mag_db_pool_idle_connections', 'Connections in the pg pool not checked out', (p) => p.idleCount);
    poolGauge('mag_db_pool_waiting_clients', 'Callers waiting for a pg pool connection', (p) => p.waitingCount);
    new Gauge({ name: 'mag_db_pool_max_connections', help: 'The pg pool size (PG_POOL_SIZE)', registers: [this.registry] }).set(poolSize);

    this.unknown = this.series(UNKNOWN_OPERATION);
    this.other = this.series(OTHER_OPERATION);
    const listener: GraphQLRequestListener<any> = {
      // Apollo's operationName is the name of the operation found in the document, not the one the
      // client claimed; a claimed name that is not in the document finds no operation: "unknown".
      didResolveOperation: async ({ operation, operationName }) => {
        if (!operation) return;
        const scope = requestScope.getStore() as MetricsScope | undefined;
        if (scope) scope.metricsOperation = this.operation(operationName);
      },
    };
    this.plugin = { requestDidStart: async () => listener };
  }

  private series(name: string): OperationSeries {
    return { name, duration: this.duration.labels(name), sqlStatements: this.sqlStatements.labels(name), byStatus: new Map(), byCode: new Map() };
  }

  private operation(name: string | null): OperationSeries {
    const key = name === null ? ANONYMOUS_OPERATION : name.slice(0, MAX_OPERATION_NAME_LENGTH);
    let series = this.operations.get(key);
    if (!series) {
      if (this.operations.size >= MAX_OPERATION_LABELS) return this.other;
      series = this.series(key);
      this.operations.set(key, series);
    }
    return series;
  }

  /** Called once per GraphQL request, after the response is written. */
  observeGraphql(scope: MetricsScope, status: number, seconds: number): void {
    const series = scope.metricsOperation ?? this.unknown;
    let requests = series.byStatus.get(status);
    if (!requests) series.byStatus.set(status, (requests = this.requests.labels(series.name, String(status))));
    requests.inc();
    series.duration.observe(seconds);
    series.sqlStatements.observe(scope.sqlStatements);
    if (scope.executionPath) (scope.executionPath === 'compiled' ? this.compiledOperations : this.resolverOperations).inc();
    for (const code of scope.errorCodes) {
      let errors = series.byCode.get(code);
      if (!errors) {
        // Codes come from our code and Apollo, not from clients; the cap guards against a bug.
        const label = this.codes.has(code) || this.codes.size < MAX_CODE_LABELS ? code : 'OTHER';
        this.codes.add(label);
        series.byCode.set(code, (errors = this.errors.labels(series.name, label)));
      }
      errors.inc();
    }
  }

  countHttp(route: HttpRoute, status: number): void {
    let byStatus = this.httpByRoute.get(route);
    if (!byStatus) this.httpByRoute.set(route, (byStatus = new Map()));
    let requests = byStatus.get(status);
    if (!requests) byStatus.set(status, (requests = this.httpRequests.labels(route, String(status))));
    requests.inc();
  }

  async render(): Promise<string> {
    return (await this.registry.metrics()) + (await processMetrics().metrics());
  }
}
