/**
 * @cdrate/numbering: the edge normaliser (libphonenumber-js behind a bounded cache) and the glue that
 * turns decoded records into what `@cdrate/rating-core`'s `rate` takes.
 */
export {
  createNormaliser,
  DEFAULT_CACHE_SIZE,
  MAX_EXTENSION_DIGITS,
  normaliseNumber,
  type Normaliser,
  type NormaliserOptions,
  type NormaliserStats,
} from './normaliser.js';
export { normaliseAccount, normaliseCdr, type AccountResult } from './edge.js';
export { SharedNumberTable } from './shared-table.js';
