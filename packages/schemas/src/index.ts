export {
  createAvroBatchCodec,
  createAvroCodec,
  FRAME_HEADER_BYTES,
  FRAME_MAGIC,
  RECORD_IDS,
} from './avro/codec.js';
export type {
  AvroBatchCodec,
  AvroBatchCodecOptions,
  AvroCodec,
  AvroCodecOptions,
  BatchFrameName,
  BatchFrameWriter,
  DecodedRecords,
  FramedRecordName,
} from './avro/codec.js';
export { avscFiles } from './avro/avsc-files.js';
export { CALL_TYPE_SYMBOLS } from './avro/writer.js';
export {
  ACCOUNT_V1,
  AVRO_NAMESPACE,
  DLQ_RECORD_V1,
  NORMALIZED_CDR_V1,
  RATED_CALL_V1,
  RAW_CDR_V1,
  SCHEMA_HISTORY,
} from './avro/schemas.js';
export type { AvroField, AvroRecordSchema, AvroSchema, RecordName } from './avro/schemas.js';
export {
  decodeAccount,
  decodeNormalizedCdr,
  decodeNormalizedCdrs,
  decodeRatedCall,
  decodeRatedCalls,
  decodeRawCdr,
  encodeAccount,
  encodeNormalizedCdr,
  encodeRatedCall,
  encodeRawCdr,
  createNormalizedCdrBatchWriter,
  createRatedCallBatchWriter,
  frameNormalizedCdrBatch,
  frameRatedCallBatch,
  isDecimalString,
  MAX_BATCH_BYTES,
  MAX_ACCOUNT_BYTES,
  MAX_CDR_BYTES,
} from './codecs.js';
export {
  buildDlqRecord,
  deadLetterMessage,
  decodeDlqRecord,
  dlqPayloadBytes,
  encodeDlqRecord,
  MAX_DLQ_BYTES,
} from './dlq.js';
export type { DeadLetterMessage, DlqRecordInput } from './dlq.js';
export {
  CONTENT_TYPE_AVRO,
  CONTENT_TYPE_HEADER,
  CONTENT_TYPE_JSON,
  decodeRawCdrJson,
  decodeRawCdrMessage,
} from './raw.js';
export type {
  Account,
  CallType,
  Direction,
  Disposition,
  DlqOrigin,
  DlqRecord,
  NumberType,
  PayloadEncoding,
  RatedCall,
  RawCdr,
  RawCdrInput,
  RawFieldValue,
  NormalizedCdr,
  Stage,
} from './records.js';
export { rejectOfDecodeFailure } from './result.js';
export type { DecodeErrorCode, DecodeFailure, DecodeResult } from './result.js';
