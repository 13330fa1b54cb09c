import type { ConsumedMessage, OutgoingMessage } from './messages.js';

/** Why a message goes to the dead-letter topic, e.g. `{ code: 'MALFORMED', message: 'not JSON' }`. */
export interface DeadLetterReason {
  readonly code: string;
  readonly message: string;
}

/** Header names {@link toDeadLetter} adds; everything else of the original message is kept as it was. */
export const DEAD_LETTER_HEADERS = {
  code: 'dlq.code',
  message: 'dlq.message',
  topic: 'dlq.source.topic',
  partition: 'dlq.source.partition',
  offset: 'dlq.source.offset',
} as const;

/**
 * The dead-letter copy of a consumed message: same key (so it lands on the account's partition of the
 * dead-letter topic), same value bytes (a tombstone becomes an empty value), original headers plus the
 * reason and where the message came from. Send it with the producer before the batch is committed, so a
 * crash in between re-dead-letters rather than loses it.
 */
export function toDeadLetter(
  source: { readonly topic: string; readonly partition: number },
  message: ConsumedMessage,
  reason: DeadLetterReason,
): OutgoingMessage {
  return {
    key: message.key,
    value: message.value ?? Buffer.alloc(0),
    headers: {
      ...message.headers,
      [DEAD_LETTER_HEADERS.code]: reason.code,
      [DEAD_LETTER_HEADERS.message]: reason.message,
      [DEAD_LETTER_HEADERS.topic]: source.topic,
      [DEAD_LETTER_HEADERS.partition]: String(source.partition),
      [DEAD_LETTER_HEADERS.offset]: message.offset,
    },
  };
}
