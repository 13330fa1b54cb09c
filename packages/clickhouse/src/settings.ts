import { FEATURE_MIN_VERSION, atLeast } from './version.js';
import type { MinVersion } from './version.js';

/** Setting values as they go on the wire (HTTP query parameters). */
export type SettingValue = string | number | boolean;
export type ClickhouseSettings = Readonly<Record<string, SettingValue>>;

const ALL: MinVersion = { major: 1, minor: 0 };

/**
 * Every setting this adapter will send, with the first server release that knows it. A setting not in this
 * table, or newer than the server, is dropped (18.16 fails every query on an unknown setting, `Code: 115`).
 * `ALL` entries were checked against `system.settings` (or the HTTP interface) of the 18.16.1 server.
 * Extend the table when a caller needs another setting; keep the threshold conservative.
 */
export const SETTINGS_MIN_VERSION: Readonly<Record<string, MinVersion>> = {
  // HTTP interface parameter, not in system.settings; accepted by 18.16.
  wait_end_of_query: ALL,
  max_execution_time: ALL,
  max_memory_usage: ALL,
  max_result_rows: ALL,
  max_block_size: ALL,
  max_insert_block_size: ALL,
  max_threads: ALL,
  readonly: ALL,
  join_use_nulls: ALL,
  insert_quorum: ALL,
  date_time_input_format: ALL,
  input_format_skip_unknown_fields: ALL,
  output_format_json_quote_64bit_integers: ALL,
  output_format_json_quote_denormals: ALL,
  send_progress_in_http_headers: ALL,
  allow_experimental_low_cardinality_type: ALL,
  // Renamed from insert_sample_with_metadata in 19.5.
  input_format_defaults_for_omitted_fields: { major: 19, minor: 5 },
  mutations_sync: FEATURE_MIN_VERSION.mutationsSync,
  async_insert: FEATURE_MIN_VERSION.asyncInsert,
  wait_for_async_insert: FEATURE_MIN_VERSION.asyncInsert,
  insert_deduplication_token: FEATURE_MIN_VERSION.insertDeduplicationToken,
  // Added in the 21.x series; rounded up.
  output_format_json_quote_decimals: { major: 22, minor: 1 },
};

/** A setting that {@link filterSettings} dropped, and why. */
export interface DroppedSetting {
  readonly name: string;
  readonly reason: 'unknown' | 'too-new';
  /** The first release that has the setting, for `too-new`. */
  readonly minVersion?: MinVersion;
}

/**
 * Keeps the settings the server at `version` knows. Pure: the caller logs `dropped`.
 * @returns the settings to send (a new object) and those dropped, in input order.
 */
export function filterSettings(
  version: MinVersion,
  requested: ClickhouseSettings,
): { readonly settings: Record<string, SettingValue>; readonly dropped: readonly DroppedSetting[] } {
  const settings: Record<string, SettingValue> = {};
  const dropped: DroppedSetting[] = [];
  for (const [name, value] of Object.entries(requested)) {
    const min = Object.hasOwn(SETTINGS_MIN_VERSION, name) ? SETTINGS_MIN_VERSION[name] : undefined;
    if (min === undefined) dropped.push({ name, reason: 'unknown' });
    else if (!atLeast(version, min)) dropped.push({ name, reason: 'too-new', minVersion: min });
    else settings[name] = value;
  }
  return { settings, dropped };
}
