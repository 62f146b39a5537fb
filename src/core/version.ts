/** The version of xivdigest, read once from package.json (two levels up from both src/core and dist/core). */
import { readFileSync } from 'node:fs';

export const VERSION: string = (() => {
  try {
    const version = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: unknown }).version;
    return typeof version === 'string' ? version : '0.0.0';
  } catch {
    return '0.0.0';
  }
})();
