export { createClickhouse } from './client.js';
export type {
  BytesInsertOptions,
  CallOptions,
  ClickhouseClient,
  ClickhouseLogEvent,
  ClickhouseLogger,
  ClickhouseOptions,
  ExportFormat,
  InsertFormat,
  InsertOptions,
  PingResult,
  Row,
  SqlText,
} from './client.js';
export { CLICKHOUSE_CODE_MAP, toInfraError } from './errors.js';
export { encodeJsonValue, jsonDecimal } from './json.js';
export type { JsonDecimal } from './json.js';
export { migrate, readMigrations, splitStatements } from './migrate.js';
export type { MigrateOptions, MigrateResult, Migration } from './migrate.js';
export { SETTINGS_MIN_VERSION, filterSettings } from './settings.js';
export type { ClickhouseSettings, DroppedSetting, SettingValue } from './settings.js';
export { renderIdentifier, renderLiteral, sql } from './sql.js';
export type { DateTimeLiteral, DecimalLiteral, SqlFragment, SqlValue } from './sql.js';
export { FEATURE_MIN_VERSION, atLeast, parseVersion, supports } from './version.js';
export type { Feature, MinVersion, ServerVersion } from './version.js';
