/**
 * Resolver API keys from API_KEYS_FILE as well as API_KEYS: one key per line, blank lines and
 * `#` comments ignored. `reload()` (what SIGHUP calls) re-reads the file and swaps the keys
 * live; a file that cannot be read, or holds no key or a bad one, changes nothing and is logged
 * as an error. Neither keys nor lines are ever logged, only counts and line numbers.
 */
import { readFile } from 'node:fs/promises';
import type { Logger } from '../observability/logger.js';
import { ApiKeys } from './api-keys.js';

export const MIN_API_KEY_LENGTH = 16;

export class ApiKeyFileError extends Error {
  constructor(
    readonly file: string,
    message: string,
  ) {
    super(`API_KEYS_FILE ${file}: ${message}`);
    this.name = 'ApiKeyFileError';
  }
}

/** The keys of `text` (the file's content); throws ApiKeyFileError for a short key or none at all. */
export function parseApiKeysFile(file: string, text: string): string[] {
  const keys: string[] = [];
  text.split(/\r?\n/).forEach((line, i) => {
    const key = line.trim();
    if (key === '' || key.startsWith('#')) return;
    if (/\s/.test(key)) throw new ApiKeyFileError(file, `line ${i + 1} holds more than one word (one key per line)`);
    if (key.length < MIN_API_KEY_LENGTH) throw new ApiKeyFileError(file, `the key on line ${i + 1} is shorter than ${MIN_API_KEY_LENGTH} characters`);
    keys.push(key);
  });
  if (keys.length === 0) throw new ApiKeyFileError(file, 'holds no key (an empty file is refused: it would lock every resolver out)');
  return keys;
}

export async function readApiKeysFile(file: string): Promise<string[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new ApiKeyFileError(file, `cannot be read (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
  }
  return parseApiKeysFile(file, text);
}

export type ReloadResult = { ok: true; keys: number; added: number; removed: number } | { ok: false; error: string };

/** The live key set: API_KEYS plus the file's keys. */
export class ApiKeySource {
  readonly keys: ApiKeys;

  private constructor(
    private readonly envKeys: readonly string[],
    private readonly file: string | null,
    private readonly logger: Logger,
    initial: readonly string[],
  ) {
    this.keys = new ApiKeys([...new Set([...envKeys, ...initial])]);
  }

  /** Reads the file once; a bad file stops the start (ApiKeyFileError). */
  static async open(opts: { envKeys: readonly string[]; file: string | null; logger: Logger }): Promise<ApiKeySource> {
    const fromFile = opts.file ? await readApiKeysFile(opts.file) : [];
    const source = new ApiKeySource(opts.envKeys, opts.file, opts.logger, fromFile);
    if (opts.file) opts.logger.info({ file: opts.file, keys: source.keys.size }, 'API keys loaded (API_KEYS and API_KEYS_FILE)');
    return source;
  }

  /** Re-reads the file and swaps the keys; on any failure the old keys stay and an error is logged. */
  async reload(): Promise<ReloadResult> {
    if (this.file === null) {
      this.logger.info('API keys: nothing to reload (API_KEYS_FILE is not set)');
      return { ok: true, keys: this.keys.size, added: 0, removed: 0 };
    }
    let fromFile: string[];
    try {
      fromFile = await readApiKeysFile(this.file);
    } catch (err) {
      const error = err instanceof ApiKeyFileError ? err.message : String(err);
      this.logger.error({ file: this.file, error, keys: this.keys.size }, 'API keys reload failed; the previous keys stay in force');
      return { ok: false, error };
    }
    const { added, removed } = this.keys.replace([...this.envKeys, ...fromFile]);
    this.logger.info({ file: this.file, keys: this.keys.size, added, removed }, 'API keys reloaded');
    return { ok: true, keys: this.keys.size, added, removed };
  }
}
