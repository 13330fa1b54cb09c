/**
 * The canonical Avro schemas, one list of versions per record (index 0 is version 1). `schemas/avro/*.avsc`
 * at the repository root are written from these objects (`pnpm --filter @cdrate/schemas avsc`) and a unit
 * test fails when they differ.
 *
 * Evolution rules (docs/schemas.md, enforced by test/evolution.test.ts): a published version is never
 * edited; a new version appends fields at the end of the record, each with a default; enum symbols are
 * only appended, to an enum that has a default symbol; types and names are never changed or reused.
 */

/** An Avro schema as plain JSON (the subset this project uses). */
export type AvroSchema = string | readonly AvroSchema[] | AvroNamedSchema | AvroComplexSchema;

/** A record or enum. */
export type AvroNamedSchema = AvroRecordSchema | AvroEnumSchema;

export interface AvroRecordSchema {
  readonly type: 'record';
  readonly name: string;
  readonly namespace?: string;
  readonly doc?: string;
  readonly fields: readonly AvroField[];
}

export interface AvroField {
  readonly name: string;
  readonly type: AvroSchema;
  readonly doc?: string;
  readonly default?: unknown;
}

export interface AvroEnumSchema {
  readonly type: 'enum';
  readonly name: string;
  readonly namespace?: string;
  readonly doc?: string;
  readonly symbols: readonly string[];
  readonly default?: string;
}

/** Arrays and logical types. */
export type AvroComplexSchema =
  | { readonly type: 'array'; readonly items: AvroSchema }
  | { readonly type: 'long' | 'int'; readonly logicalType: string };

/** Namespace of every record and enum. The `v1` is part of the names and never changes. */
export const AVRO_NAMESPACE = 'dev.cdrate.v1';

const TIMESTAMP_MS = { type: 'long', logicalType: 'timestamp-millis' } as const;

const DIRECTION: AvroEnumSchema = {
  type: 'enum',
  name: 'Direction',
  doc: 'Direction of the call as seen from the account. `internal` is extension to extension.',
  symbols: ['outbound', 'inbound', 'internal'],
};

const DISPOSITION: AvroEnumSchema = {
  type: 'enum',
  name: 'Disposition',
  doc: 'How the call ended. Only `answered` calls can have billable time.',
  symbols: ['answered', 'no_answer', 'busy', 'failed'],
};

const NUMBER_TYPE: AvroEnumSchema = {
  type: 'enum',
  name: 'NumberType',
  doc:
    'Kind of a normalised party number. Public numbers: `mobile`, `fixed`, `fixed_or_mobile`, `toll_free`, ' +
    '`premium`, `other`, `unknown` (numbering plan could not tell). `extension`: a short internal number of ' +
    "the account's PBX. `unparsed`: the text could not be read as either (calling party only). " +
    'Unknown symbols from newer writers read as `unknown`.',
  symbols: [
    'mobile',
    'fixed',
    'fixed_or_mobile',
    'toll_free',
    'premium',
    'other',
    'unknown',
    'extension',
    'unparsed',
  ],
  default: 'unknown',
};

const CALL_TYPE: AvroEnumSchema = {
  type: 'enum',
  name: 'CallType',
  doc:
    'Call type of the billing rulebook (docs/domain.md). No default symbol on purpose: a reader that does not ' +
    'know a call type must fail, never bill it as another type.',
  symbols: ['domestic', 'internal', 'domestic_metered', 'international', 'inbound_toll_free', 'inbound'],
};

const STAGE: AvroEnumSchema = {
  type: 'enum',
  name: 'Stage',
  doc: 'Pipeline stage that rejected the record.',
  symbols: ['ingest', 'rating', 'aggregation'],
};

const PAYLOAD_ENCODING: AvroEnumSchema = {
  type: 'enum',
  name: 'PayloadEncoding',
  doc: '`utf8`: `payload` is the original bytes as text (they were valid UTF-8); `base64`: standard base64 of them.',
  symbols: ['utf8', 'base64'],
};

const DECIMAL_DOC =
  'Exact decimal string, digits and an optional fraction (`"0.125"`, `"12"`), no sign or exponent';

/** Raw CDR as a switch sends it (Avro form; the JSON form has the same field names). Topic `cdr.raw`. */
export const RAW_CDR_V1: AvroRecordSchema = {
  type: 'record',
  name: 'RawCdr',
  namespace: AVRO_NAMESPACE,
  doc: 'A call-detail record as the switch sends it. Nothing is validated or normalised yet (see NormalizedCdr).',
  fields: [
    { name: 'cdr_id', type: 'string', doc: "The switch's identifier of the call; a resend repeats it." },
    { name: 'account_id', type: 'string', doc: 'Account that owns the call.' },
    {
      name: 'direction',
      type: ['null', DIRECTION],
      default: null,
      doc: 'null when the switch does not say; inferred later from the account numbers.',
    },
    { name: 'source', type: 'string', doc: 'Calling number as dialled, free form.' },
    { name: 'destination', type: 'string', doc: 'Called number as dialled, free form.' },
    { name: 'start_time', type: 'string', doc: 'Call start, ISO 8601 with any UTC offset.' },
    { name: 'end_time', type: 'string', doc: 'Call end, ISO 8601 with any UTC offset.' },
    {
      name: 'duration_sec',
      type: ['null', 'double'],
      default: null,
      doc: 'Talk time in seconds, may have a fraction (e.g. 62.5); null means end_time − start_time.',
    },
    { name: 'disposition', type: DISPOSITION, default: 'answered', doc: 'How the call ended.' },
  ],
};

/** Ingest output. Topic `cdr.normalized`. */
export const NORMALIZED_CDR_V1: AvroRecordSchema = {
  type: 'record',
  name: 'NormalizedCdr',
  namespace: AVRO_NAMESPACE,
  doc: 'A CDR that passed validation: times in UTC epoch milliseconds, numbers in E.164 or as extensions.',
  fields: [
    { name: 'cdr_id', type: 'string', doc: "The switch's identifier of the call, as received." },
    { name: 'account_id', type: 'string', doc: 'Account that owns the call, as received.' },
    {
      name: 'direction',
      type: ['null', DIRECTION],
      default: null,
      doc: 'As sent by the switch; null when it did not say (rating infers it from the account numbers).',
    },
    {
      name: 'source',
      type: 'string',
      doc: 'Calling party: E.164 with `+`, an extension, or the raw text when `source_type` is `unparsed`.',
    },
    { name: 'source_type', type: NUMBER_TYPE, default: 'unknown', doc: 'Kind of `source`.' },
    { name: 'destination', type: 'string', doc: 'Called party: E.164 with `+`, or an extension.' },
    {
      name: 'destination_type',
      type: 'NumberType',
      default: 'unknown',
      doc: 'Kind of `destination` (never `unparsed`: such CDRs are rejected).',
    },
    {
      name: 'destination_country',
      type: ['null', 'string'],
      default: null,
      doc: 'ISO 3166-1 alpha-2 of the called number; null for extensions.',
    },
    { name: 'start_time', type: TIMESTAMP_MS, doc: 'Call start, UTC epoch milliseconds.' },
    { name: 'end_time', type: TIMESTAMP_MS, doc: 'Call end, UTC epoch milliseconds, ≥ start_time.' },
    {
      name: 'duration_ms',
      type: 'long',
      doc: 'Talk time in whole milliseconds ≥ 0, exact (the raw duration_sec × 1000, or end − start).',
    },
    { name: 'disposition', type: DISPOSITION, default: 'answered', doc: 'How the call ended.' },
    {
      name: 'received_at',
      type: TIMESTAMP_MS,
      doc: 'When ingest read the raw record, UTC epoch milliseconds.',
    },
    { name: 'raw_source', type: 'string', doc: 'Calling number exactly as received.' },
    { name: 'raw_destination', type: 'string', doc: 'Called number exactly as received.' },
  ],
};

/** Rating output and the ClickHouse row (`rated_calls`). Topic `cdr.rated`. */
export const RATED_CALL_V1: AvroRecordSchema = {
  type: 'record',
  name: 'RatedCall',
  namespace: AVRO_NAMESPACE,
  doc:
    'One rated call. Money and minutes are exact decimal strings, never floating point. ' +
    'Rows with the same (account_id, cdr_id) are versions of one call; the highest rating_version wins.',
  fields: [
    { name: 'cdr_id', type: 'string' },
    { name: 'account_id', type: 'string' },
    { name: 'call_type', type: CALL_TYPE },
    { name: 'billable', type: 'boolean', doc: 'false: the call costs nothing and `reason` says why.' },
    {
      name: 'billable_seconds',
      type: 'int',
      doc: 'Talk time rounded up to the increment, at least the minimum; 0 when not billable.',
    },
    {
      name: 'billable_minutes',
      type: 'string',
      doc: `billable_seconds / 60, exact. ${DECIMAL_DOC}; at most 12 integer and 6 fraction digits.`,
    },
    {
      name: 'rate',
      type: 'string',
      doc: `Rate per minute applied; "0" when not priced per call. ${DECIMAL_DOC}; at most 9 + 9 digits.`,
    },
    {
      name: 'cost',
      type: 'string',
      doc: `billable_minutes × rate, exact, unrounded. ${DECIMAL_DOC}; at most 7 integer and 11 fraction digits.`,
    },
    { name: 'currency', type: 'string', doc: 'ISO 4217 code of rate and cost.' },
    { name: 'source', type: 'string', doc: 'E.164 with `+`, an extension, or the raw text when unreadable.' },
    { name: 'destination', type: 'string', doc: 'E.164 with `+`, or an extension.' },
    {
      name: 'destination_country',
      type: ['null', 'string'],
      default: null,
      doc: 'ISO 3166-1 alpha-2 of the called number; null for extensions.',
    },
    {
      name: 'matched_prefix',
      type: ['null', 'string'],
      default: null,
      doc: 'Rate-table prefix (E.164 digits) that priced the call; null when none was needed.',
    },
    { name: 'start_time', type: TIMESTAMP_MS, doc: 'Call start, UTC epoch milliseconds.' },
    { name: 'end_time', type: TIMESTAMP_MS, doc: 'Call end, UTC epoch milliseconds.' },
    {
      name: 'duration_ms',
      type: 'long',
      doc: 'Talk time in whole milliseconds ≥ 0, exact, as rated (the raw duration, or end − start).',
    },
    {
      name: 'reason',
      type: ['null', 'string'],
      default: null,
      doc: 'Why the call is not billable; null when it is.',
    },
    { name: 'rated_at', type: TIMESTAMP_MS, doc: 'When the call was rated, UTC epoch milliseconds.' },
    {
      name: 'rating_version',
      type: 'long',
      doc: 'Version of this rating of the call: the highest wins in ClickHouse (ReplacingMergeTree). Equals rated_at.',
    },
  ],
};

/** Dead-letter record. Topic `cdr.dlq`, carried as JSON (this schema states its shape). */
export const DLQ_RECORD_V1: AvroRecordSchema = {
  type: 'record',
  name: 'DlqRecord',
  namespace: AVRO_NAMESPACE,
  doc: 'A record a stage could not process, with the original bytes, so it can be fixed and replayed.',
  fields: [
    { name: 'cdr_id', type: ['null', 'string'], default: null, doc: 'null when it could not be read.' },
    { name: 'error_code', type: 'string', doc: 'Machine-readable reason (e.g. MALFORMED_RECORD, NO_RATE).' },
    {
      name: 'error_message',
      type: 'string',
      doc: 'A sentence for humans naming the field or value at fault.',
    },
    { name: 'stage', type: STAGE },
    {
      name: 'payload',
      type: 'string',
      doc: 'The original message value, encoded as `payload_encoding` says.',
    },
    { name: 'payload_encoding', type: PAYLOAD_ENCODING },
    {
      name: 'origin',
      type: {
        type: 'record',
        name: 'Origin',
        doc: 'Where the original message was read.',
        fields: [
          { name: 'topic', type: 'string' },
          { name: 'partition', type: 'int' },
          { name: 'offset', type: 'string', doc: 'Kafka offset (int64) in decimal digits.' },
        ],
      },
    },
    { name: 'failed_at', type: 'string', doc: 'When the stage rejected it: ISO 8601 UTC, `…Z`.' },
  ],
};

/** Account master data. Compacted topic `accounts`, key = account_id. */
export const ACCOUNT_V1: AvroRecordSchema = {
  type: 'record',
  name: 'Account',
  namespace: AVRO_NAMESPACE,
  doc: 'An account as rating and invoicing need it.',
  fields: [
    { name: 'account_id', type: 'string' },
    { name: 'country', type: 'string', doc: 'Billing country, ISO 3166-1 alpha-2.' },
    {
      name: 'billing_start_date',
      type: 'string',
      doc: 'First day (UTC) whose usage is charged, YYYY-MM-DD.',
    },
    { name: 'included_minutes', type: 'int', doc: 'Plan minutes included per month.' },
    {
      name: 'overage_rate',
      type: 'string',
      default: '0.02',
      doc: `Rate per minute above the included minutes. ${DECIMAL_DOC}; at most 9 + 9 digits.`,
    },
    {
      name: 'toll_free_numbers',
      type: { type: 'array', items: 'string' },
      default: [],
      doc: "The account's toll-free numbers, E.164 with `+`.",
    },
    {
      name: 'numbers',
      type: { type: 'array', items: 'string' },
      default: [],
      doc: "The account's own numbers (DIDs), E.164 with `+`.",
    },
    { name: 'currency', type: 'string', default: 'USD', doc: 'ISO 4217 code of rated costs.' },
  ],
};

/** Every record's published versions, oldest first. Append a version; never edit or remove one. */
export const SCHEMA_HISTORY = {
  RawCdr: [RAW_CDR_V1],
  NormalizedCdr: [NORMALIZED_CDR_V1],
  RatedCall: [RATED_CALL_V1],
  DlqRecord: [DLQ_RECORD_V1],
  Account: [ACCOUNT_V1],
} as const satisfies Record<string, readonly AvroRecordSchema[]>;

export type RecordName = keyof typeof SCHEMA_HISTORY;
