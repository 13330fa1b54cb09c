import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { EXCEPTION_TAG_HEADER_NAME, createClient } from '@clickhouse/client';
import type { ClickHouseClient as VendorClient, ClickHouseSettings, Logger } from '@clickhouse/client';
import { InfraError } from '@cdrate/errors';
import { toInfraError } from './errors.js';
import { encodeJsonValue } from './json.js';
import { filterSettings } from './settings.js';
import type { ClickhouseSettings } from './settings.js';
import { renderIdentifier } from './sql.js';
import { findTrailingError, rowError } from './trailing-error.js';
import type { SqlFragment } from './sql.js';
import { parseVersion } from './version.js';
import type { ServerVersion } from './version.js';

/** Something the adapter wants an operator to see (a dropped setting). The caller routes it to its logger. */
export interface ClickhouseLogEvent {
  readonly level: 'warn';
  readonly message: string;
  readonly fields: Readonly<Record<string, unknown>>;
}
export type ClickhouseLogger = (event: ClickhouseLogEvent) => void;

export interface ClickhouseOptions {
  /** HTTP endpoint, e.g. `http://127.0.0.1:8123`. */
  readonly url: string;
  readonly username?: string;
  readonly password?: string;
  /** Database for unqualified names. Default `default`. */
  readonly database?: string;
  /** Socket inactivity timeout of every request in ms. Default 30 000. */
  readonly requestTimeoutMs?: number;
  /**
   * Server-side limit of every query in seconds (`max_execution_time`), so an abandoned query stops on the
   * server too. Default: the request timeout rounded up. A call may override it in its `settings`.
   */
  readonly maxExecutionTimeSeconds?: number;
  /** Settings for every call; filtered through the per-version allow-list (see `SETTINGS_MIN_VERSION`). */
  readonly settings?: ClickhouseSettings;
  /** Receives a warning for each setting dropped for this server (once per setting name). */
  readonly logger?: ClickhouseLogger;
  /** Prefix of generated query ids, e.g. the service name. Default `cdrate`. */
  readonly queryIdPrefix?: string;
}

export interface CallOptions {
  /** Query id sent to the server (see `system.processes`, `KILL QUERY`). Default `<prefix>-<uuid>`. */
  readonly queryId?: string;
  /** Settings for this call on top of the client's; filtered like them. */
  readonly settings?: ClickhouseSettings;
  /**
   * Run against this database instead of the client's (validated name). For bootstrap statements that must
   * run before the client's database exists. Each distinct database gets its own connection pool.
   */
  readonly database?: string;
}

export interface InsertOptions extends CallOptions {
  /**
   * Columns the rows fill (validated names). Columns left out get their DEFAULT; without this list, fields
   * missing from a row get the type's zero, not the DEFAULT.
   */
  readonly columns?: readonly [string, ...string[]];
}

/** Row formats {@link ClickhouseClient.insertBytes} sends (both read the same way by 18.16 and modern servers). */
export type InsertFormat = 'JSONEachRow' | 'TabSeparated';

export interface BytesInsertOptions extends InsertOptions {
  /**
   * Format of the rows. Default `JSONEachRow`. `TabSeparated` is positional: name the `columns` (in the
   * order of the fields) so that a value cannot land in the wrong column and columns added later get their
   * DEFAULT. Its values: strings with `\`, tab, newline and CR escaped as `\\`, `\t`, `\n`, `\r`; DateTime as
   * 10-digit zero-padded unix seconds (shorter numbers are refused or misread by modern servers); decimals
   * with at most the column's scale (modern servers round more digits away silently).
   */
  readonly format?: InsertFormat;
}

/** Text formats `queryStream` passes through as bytes (JSONEachRow streams parsed rows instead). */
export type ExportFormat = 'CSV' | 'CSVWithNames' | 'TabSeparated' | 'TabSeparatedWithNames';

/**
 * SQL to run. A string is sent as is: fine for constant SQL, but anything holding a value must be built with
 * the `sql` tag so the value goes through `renderLiteral`.
 */
export type SqlText = string | SqlFragment;
export type Row = Record<string, unknown>;

export type PingResult = { readonly ok: true } | { readonly ok: false; readonly error: InfraError };

/**
 * The project's ClickHouse client. Every method rejects (or its stream errors) with an `InfraError` from
 * `toInfraError`; every request carries a query id, a timeout and `max_execution_time`.
 */
export interface ClickhouseClient {
  /** Server version, from `SELECT version()` on first use and cached (a failed detection is retried). */
  version(): Promise<ServerVersion>;
  /**
   * Runs a SELECT and returns all rows parsed from JSONEachRow (`FORMAT` is appended; do not write one).
   * Waits for the end of the query on the server (`wait_end_of_query`), so a failure anywhere is an error.
   * Int64/UInt64 come back as strings (parse with BigInt); select Decimal columns as `toString(x)`.
   */
  query<T = Row>(sql: SqlText, options?: CallOptions): Promise<T[]>;
  /**
   * Streams a SELECT in constant memory. `JSONEachRow`: an object-mode stream of parsed rows. Text formats:
   * a byte stream of the server's output, to pipe into a file or HTTP response. A server error after the first
   * bytes (18.16 appends `Code: …` to the body) fails the stream with an `InfraError`. A long export should
   * raise `max_execution_time` in `settings`.
   */
  queryStream<T = Row>(
    sql: SqlText,
    format: 'JSONEachRow',
    options?: CallOptions,
  ): Readable & AsyncIterable<T>;
  queryStream(sql: SqlText, format: ExportFormat, options?: CallOptions): Readable & AsyncIterable<Buffer>;
  /**
   * Inserts rows as JSONEachRow (encoded by `encodeJsonValue`: bigint quoted, `jsonDecimal` unquoted, Date as
   * unix seconds). `rows` is an array or an object-mode stream of rows. An empty array sends nothing.
   */
  insert(table: string, rows: readonly object[] | Readable, options?: InsertOptions): Promise<void>;
  /**
   * Inserts JSONEachRow text the caller encoded itself (hot paths with a hand-written row serializer): one
   * JSON object per line, values encoded as {@link encodeJsonValue} would (decimals unquoted, 64-bit
   * integers quoted, DateTime as unix seconds). Sent as is, not parsed or checked here; a bad row fails the
   * whole insert with the server's error. Empty text sends nothing.
   */
  insertText(table: string, text: string | Buffer, options?: InsertOptions): Promise<void>;
  /**
   * Inserts rows the caller encoded itself as bytes — JSONEachRow as {@link insertText}, or TabSeparated
   * (`options.format`) — sent as they are: `body` is one buffer or several sent one after another (views of
   * larger buffers, say); nothing is copied, decoded or checked on the way, and together they must be whole
   * lines. A bad row fails the whole insert with the server's error. Empty bytes send nothing.
   */
  insertBytes(
    table: string,
    body: Uint8Array | readonly Uint8Array[],
    options?: BytesInsertOptions,
  ): Promise<void>;
  /** Runs a statement without a result (DDL, ALTER, OPTIMIZE). */
  command(sql: SqlText, options?: CallOptions): Promise<void>;
  /**
   * Liveness: can the server be reached over HTTP (`/ping`). Never throws. It does not prove queries work
   * (an unknown setting breaks queries, not `/ping`); readiness should also await `version()`.
   */
  ping(): Promise<PingResult>;
  /** Closes the sockets. The client must not be used afterwards. */
  close(): Promise<void>;
}

const DEFAULT_TIMEOUT_MS = 30_000;
/** Bytes held back at the end of a text export to find an error the server appended after data. */
const ERROR_TAIL_BYTES = 64 * 1024;

const DATABASE_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const QUERY_ID_PREFIX = /^[A-Za-z0-9_.-]{1,64}$/;

/** Every problem with `options`, so a misconfiguration is reported whole. */
function optionProblems(options: ClickhouseOptions): string[] {
  const problems: string[] = [];
  let protocol: string | undefined;
  try {
    protocol = new URL(options.url).protocol;
  } catch {
    problems.push(`url: not a URL`);
  }
  if (protocol !== undefined && protocol !== 'http:' && protocol !== 'https:') {
    problems.push(`url: protocol must be http or https, got ${protocol}`);
  }
  const { requestTimeoutMs, maxExecutionTimeSeconds, database, queryIdPrefix } = options;
  if (requestTimeoutMs !== undefined && !(Number.isSafeInteger(requestTimeoutMs) && requestTimeoutMs > 0)) {
    problems.push(`requestTimeoutMs: must be a positive integer, got ${requestTimeoutMs}`);
  }
  if (
    maxExecutionTimeSeconds !== undefined &&
    !(Number.isSafeInteger(maxExecutionTimeSeconds) && maxExecutionTimeSeconds >= 0)
  ) {
    problems.push(`maxExecutionTimeSeconds: must be an integer >= 0, got ${maxExecutionTimeSeconds}`);
  }
  if (database !== undefined && !DATABASE_NAME.test(database)) {
    problems.push(`database: must match ${DATABASE_NAME.source}, got ${JSON.stringify(database)}`);
  }
  if (queryIdPrefix !== undefined && !QUERY_ID_PREFIX.test(queryIdPrefix)) {
    problems.push(`queryIdPrefix: must match ${QUERY_ID_PREFIX.source}`);
  }
  return problems;
}

/**
 * Creates a client. No request is made until the first call.
 * @throws InfraError `CONFIG` listing every invalid option.
 */
export function createClickhouse(options: ClickhouseOptions): ClickhouseClient {
  const problems = optionProblems(options);
  if (problems.length > 0)
    throw new InfraError('CONFIG', `Invalid ClickHouse options: ${problems.join('; ')}`);
  const requestTimeoutMs = options.requestTimeoutMs ?? DEFAULT_TIMEOUT_MS;
  const maxExecutionTime = options.maxExecutionTimeSeconds ?? Math.ceil(requestTimeoutMs / 1000);
  const defaultDatabase = options.database ?? 'default';
  const prefix = options.queryIdPrefix ?? 'cdrate';
  const warned = new Set<string>();
  const vendorClients = new Map<string, VendorClient>();
  let versionPromise: Promise<ServerVersion> | undefined;
  let closed = false;

  /** Forwards the vendor client's warnings; its error logs are dropped (the error is thrown to the caller). */
  class VendorLogger implements Logger {
    trace(): void {}
    debug(): void {}
    info(): void {}
    error(): void {}
    warn(params: { module?: string; message: string; args?: Record<string, unknown> }): void {
      options.logger?.({
        level: 'warn',
        message: `@clickhouse/client: ${params.message}`,
        fields: { ...params.args, module: params.module },
      });
    }
  }

  function vendor(database: string): VendorClient {
    if (closed) throw new Error('the client was closed');
    let client = vendorClients.get(database);
    if (client === undefined) {
      renderIdentifier(database);
      client = createClient({
        url: options.url,
        username: options.username ?? 'default',
        password: options.password ?? '',
        database,
        request_timeout: requestTimeoutMs,
        application: prefix,
        json: { parse: JSON.parse, stringify: encodeJsonValue },
        log: { LoggerClass: VendorLogger },
      });
      vendorClients.set(database, client);
    }
    return client;
  }

  function detectVersion(): Promise<ServerVersion> {
    versionPromise ??= (async () => {
      // `system` exists on every server, whether or not the client's database does yet.
      const result = await vendor('system').query({
        query: 'SELECT version() AS version',
        format: 'JSONEachRow',
        query_id: `${prefix}-${randomUUID()}`,
      });
      const rows = await result.json<{ version: string }>();
      const text = rows[0]?.version;
      if (text === undefined) throw new Error('SELECT version() returned no row');
      return parseVersion(text);
    })().catch((error: unknown) => {
      versionPromise = undefined;
      throw toInfraError(error, 'version detection');
    });
    return versionPromise;
  }

  async function prepare(call: CallOptions | undefined, extra: ClickhouseSettings = {}) {
    const version = await detectVersion();
    const { settings, dropped } = filterSettings(version, {
      max_execution_time: maxExecutionTime,
      ...extra,
      ...options.settings,
      ...call?.settings,
    });
    for (const setting of dropped) {
      if (warned.has(setting.name)) continue;
      warned.add(setting.name);
      options.logger?.({
        level: 'warn',
        message: `ClickHouse setting ${setting.name} dropped: ${setting.reason === 'unknown' ? 'not in the allow-list' : 'server too old'}`,
        fields: { setting: setting.name, reason: setting.reason, serverVersion: version.text },
      });
    }
    return {
      client: vendor(call?.database ?? defaultDatabase),
      params: {
        query_id: call?.queryId ?? `${prefix}-${randomUUID()}`,
        clickhouse_settings: settings as ClickHouseSettings,
      },
    };
  }

  async function query<T>(sql: SqlText, call?: CallOptions): Promise<T[]> {
    try {
      const { client, params } = await prepare(call, { wait_end_of_query: 1 });
      const result = await client.query({ ...params, query: String(sql), format: 'JSONEachRow' });
      return await result.json<T>();
    } catch (error) {
      throw toInfraError(error, 'query');
    }
  }

  async function* streamRows<T>(sql: SqlText, call?: CallOptions): AsyncGenerator<T> {
    try {
      const { client, params } = await prepare(call);
      const result = await client.query({ ...params, query: String(sql), format: 'JSONEachRow' });
      for await (const rows of result.stream<T>()) {
        for (const row of rows) {
          const error = rowError(row.text);
          if (error !== undefined) throw new Error(error);
          yield JSON.parse(row.text) as T;
        }
      }
    } catch (error) {
      throw toInfraError(error, 'query stream');
    }
  }

  async function* streamText(sql: SqlText, format: ExportFormat, call?: CallOptions): AsyncGenerator<Buffer> {
    try {
      const { client, params } = await prepare(call);
      const result: { stream: AsyncIterable<Buffer>; response_headers: Record<string, unknown> } =
        await client.exec({
          ...params,
          query: `${String(sql)}\nFORMAT ${format}`,
        });
      let held: Buffer = Buffer.alloc(0);
      for await (const chunk of result.stream) {
        held = held.length === 0 ? chunk : Buffer.concat([held, chunk]);
        if (held.length >= 2 * ERROR_TAIL_BYTES) {
          yield held.subarray(0, held.length - ERROR_TAIL_BYTES);
          held = Buffer.from(held.subarray(held.length - ERROR_TAIL_BYTES));
        }
      }
      const tag = result.response_headers[EXCEPTION_TAG_HEADER_NAME];
      const trailing = findTrailingError(held, typeof tag === 'string' ? tag : undefined);
      if (trailing === undefined) {
        if (held.length > 0) yield held;
        return;
      }
      if (trailing.dataEnd > 0) yield held.subarray(0, trailing.dataEnd);
      throw new Error(trailing.message);
    } catch (error) {
      throw toInfraError(error, 'export');
    }
  }

  /** `INSERT INTO table [(columns)] FORMAT format` with `pieces` (not empty) as the body, one after another. */
  async function insertBody(
    table: string,
    pieces: readonly Uint8Array[],
    format: InsertFormat,
    call?: InsertOptions,
  ): Promise<void> {
    try {
      const columns = call?.columns?.map((column) => renderIdentifier(column));
      const target = `${renderIdentifier(table)}${columns === undefined ? '' : ` (${columns.join(', ')})`}`;
      const { client, params } = await prepare(call);
      const result = await client.exec({
        ...params,
        query: `INSERT INTO ${target} FORMAT ${format}`,
        values: Readable.from(pieces, { objectMode: false }),
      });
      // The response has no rows; read it to the end so that the socket goes back to the pool.
      for await (const chunk of result.stream) void chunk;
    } catch (error) {
      throw toInfraError(error, `insert into ${table}`);
    }
  }

  const api: ClickhouseClient = {
    version: detectVersion,
    query,
    queryStream(sql: SqlText, format: 'JSONEachRow' | ExportFormat, call?: CallOptions) {
      return format === 'JSONEachRow'
        ? Readable.from(streamRows(sql, call))
        : Readable.from(streamText(sql, format, call), { objectMode: false });
    },
    async insert(table, rows, call) {
      if (Array.isArray(rows) && rows.length === 0) return;
      try {
        const columns = call?.columns?.map((column) => renderIdentifier(column));
        const tableName = renderIdentifier(table);
        const { client, params } = await prepare(call);
        await client.insert({
          ...params,
          table: tableName,
          values: rows as object[] | Readable,
          format: 'JSONEachRow',
          ...(columns === undefined ? {} : { columns: columns as [string, ...string[]] }),
        });
      } catch (error) {
        throw toInfraError(error, `insert into ${table}`);
      }
    },
    async insertText(table, text, call) {
      if (text.length === 0) return;
      await insertBody(
        table,
        [typeof text === 'string' ? Buffer.from(text, 'utf8') : text],
        'JSONEachRow',
        call,
      );
    },
    async insertBytes(table, body, call) {
      const pieces = (body instanceof Uint8Array ? [body] : body).filter((piece) => piece.length > 0);
      if (pieces.length === 0) return;
      const format = call?.format ?? 'JSONEachRow';
      if (format !== 'JSONEachRow' && format !== 'TabSeparated') {
        throw new InfraError(
          'CONFIG',
          `insert format must be JSONEachRow or TabSeparated, got ${String(format)}`,
        );
      }
      await insertBody(table, pieces, format, call);
    },
    async command(sql, call) {
      try {
        const { client, params } = await prepare(call, { wait_end_of_query: 1 });
        await client.command({ ...params, query: String(sql) });
      } catch (error) {
        throw toInfraError(error, 'command');
      }
    },
    async ping() {
      try {
        const result = await vendor('system').ping();
        return result.success ? { ok: true } : { ok: false, error: toInfraError(result.error, 'ping') };
      } catch (error) {
        return { ok: false, error: toInfraError(error, 'ping') };
      }
    },
    async close() {
      closed = true;
      const clients = [...vendorClients.values()];
      vendorClients.clear();
      await Promise.all(clients.map((client) => client.close()));
    },
  };
  return api;
}
