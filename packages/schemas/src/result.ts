/**
 * Why bytes could not be decoded. Decoders return these as values and never throw on bad input.
 *
 * - `TOO_LARGE`: over the record's size limit; not even looked at.
 * - `NOT_AVRO`: does not start with the cdrate Avro frame (magic byte `0xCD`).
 * - `WRONG_SCHEMA`: a cdrate Avro frame of another record (e.g. a RatedCall given to `decodeRawCdr`).
 * - `BAD_VERSION`: the frame's schema version is 0 (versions start at 1).
 * - `TRUNCATED`: the bytes end before the record does.
 * - `CORRUPT`: the bytes are not a record of the schema (bad union or enum index, overflow, bytes left
 *   over, an array longer than the message).
 * - `NOT_JSON`: not valid UTF-8, or not parseable JSON.
 * - `UNKNOWN_CONTENT_TYPE`: a `content-type` header this project does not read.
 * - `NOT_AN_OBJECT`: JSON that is not an object (array, string, null, …).
 * - `BAD_FIELD`: a field has the wrong type, or a value outside its documented form (a decimal string with
 *   an exponent, a date not `YYYY-MM-DD`, …). The message names the field.
 */
export type DecodeErrorCode =
  | 'TOO_LARGE'
  | 'NOT_AVRO'
  | 'WRONG_SCHEMA'
  | 'BAD_VERSION'
  | 'TRUNCATED'
  | 'CORRUPT'
  | 'NOT_JSON'
  | 'UNKNOWN_CONTENT_TYPE'
  | 'NOT_AN_OBJECT'
  | 'BAD_FIELD';

/** A decode failure: a code for machines and a sentence for humans. */
export interface DecodeFailure {
  readonly ok: false;
  readonly code: DecodeErrorCode;
  readonly message: string;
}

/** What every decoder returns. */
export type DecodeResult<T> = { readonly ok: true; readonly value: T } | DecodeFailure;

/**
 * The pipeline's reject code for a message that cannot be decoded, from the closed set of reject codes
 * (see docs/rating.md): `BAD_FIELD` for a field of the wrong type or form, `MALFORMED_RECORD` for anything
 * else. The decoder's own reason leads the message (`NOT_JSON: …`), so nothing is lost for diagnosis.
 */
export function rejectOfDecodeFailure(failure: DecodeFailure): {
  readonly code: 'MALFORMED_RECORD' | 'BAD_FIELD';
  readonly message: string;
} {
  return {
    code: failure.code === 'BAD_FIELD' ? 'BAD_FIELD' : 'MALFORMED_RECORD',
    message: failure.code === 'BAD_FIELD' ? failure.message : `${failure.code}: ${failure.message}`,
  };
}

export function decoded<T>(value: T): DecodeResult<T> {
  return { ok: true, value };
}

export function decodeFailure(code: DecodeErrorCode, message: string): DecodeFailure {
  return { ok: false, code, message };
}
