/** Reads a private key from a file (never from the command line, where `ps` and shell history see it). */
import { readFileSync, statSync } from 'node:fs';

export class DeployError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'DeployError';
  }
}

/** The file's one line of hex (an optional 0x), checked to be `bytes` long. */
export function readKeyFile(file: string, bytes: number): string {
  let text: string;
  try {
    if (!statSync(file).isFile()) throw new Error('not a regular file');
    text = readFileSync(file, 'utf8').trim();
  } catch (err) {
    throw new DeployError('KEY_FILE_UNREADABLE', `--key-file ${file}: ${(err as Error).message}`);
  }
  const hex = text.replace(/^0x/i, '');
  if (!new RegExp(`^[0-9a-fA-F]{${bytes * 2}}$`).test(hex)) {
    // Never echo the content: it may be a key in the wrong format.
    throw new DeployError('KEY_FILE_INVALID', `--key-file ${file}: expected ${bytes} bytes of hex (${bytes * 2} characters, optional 0x) on one line`);
  }
  return hex.toLowerCase();
}
