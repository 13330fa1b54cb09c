// Where the local scripts keep what they download once and reuse across clones (the Kafka jars, the
// Node.js LTS release): CDRATE_CACHE_DIR, else `$XDG_CACHE_HOME/cdrate`, else `~/.cache/cdrate`. Never
// inside the repository. Uses only Node's standard library.
import os from 'node:os';
import path from 'node:path';

/** The download cache folder (absolute; not created here). */
export function cacheDir() {
  return path.resolve(
    process.env.CDRATE_CACHE_DIR ||
      path.join(process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache'), 'cdrate'),
  );
}
