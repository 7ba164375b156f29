/**
 * One JSON value kept in a file across restarts (the resolver's jobs and its public actions).
 * A write goes to `<file>.tmp`, is fsynced, then renamed over the file and the directory is
 * fsynced: a crash leaves the old value or the new one, never half of one. A torn temp file from
 * a crash is never read, and the next write replaces it.
 */
import { mkdir, open, rename } from 'node:fs/promises';
import { dirname } from 'node:path';

/** The resolver's state file is unreadable: stop, and let the operator repair or move it. */
export class JsonFileError extends Error {
  constructor(
    readonly path: string,
    problem: string,
  ) {
    super(`${path} ${problem}: repair it or move it away (the resolver will not start from nothing and forget its jobs)`);
    this.name = 'JsonFileError';
  }
}

export class JsonFile<T> {
  private readonly tmp: string;
  /** Writes run one after another: they share the temp file. */
  private writing: Promise<void> = Promise.resolve();

  constructor(readonly path: string) {
    this.tmp = `${path}.tmp`;
  }

  /**
   * The saved value, or undefined when nothing was saved yet. Throws `JsonFileError` when the
   * file cannot be read or is not JSON: its own writes never leave it so, so someone else changed
   * it, and starting from "nothing saved" would forget jobs that hold funds. The error names the
   * file, never its content (it may hold secrets).
   */
  async read(): Promise<T | undefined> {
    let text: string;
    try {
      const file = await open(this.path, 'r');
      try {
        text = await file.readFile('utf8');
      } finally {
        await file.close();
      }
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') return undefined;
      throw new JsonFileError(this.path, `cannot be read (${code ?? 'error'})`);
    }
    try {
      return JSON.parse(text) as T;
    } catch {
      throw new JsonFileError(this.path, `is not valid JSON (${text.length} bytes)`);
    }
  }

  /** Replaces the saved value durably (owner-only file mode: it may hold secrets). */
  write(value: T): Promise<void> {
    const text = JSON.stringify(value, null, 2);
    const done = this.writing.then(() => this.replace(text));
    // The next write waits for this one whether it failed or not.
    this.writing = done.catch(() => undefined);
    return done;
  }

  private async replace(text: string): Promise<void> {
    const dir = dirname(this.path);
    await mkdir(dir, { recursive: true });
    const file = await open(this.tmp, 'w', 0o600);
    try {
      await file.writeFile(text, 'utf8');
      await file.sync();
    } finally {
      await file.close();
    }
    await rename(this.tmp, this.path);
    await syncDir(dir);
  }
}

/** Makes the rename itself durable. Some platforms cannot fsync a directory: then the rename is as durable as it gets. */
async function syncDir(dir: string): Promise<void> {
  let handle;
  try {
    handle = await open(dir, 'r');
    await handle.sync();
  } catch {
    // EISDIR/EPERM/EINVAL on platforms without directory fsync.
  } finally {
    await handle?.close();
  }
}
