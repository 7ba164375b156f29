/**
 * One JSON value kept in a file across restarts (the resolver's jobs and its public actions).
 * A write goes to `<file>.tmp`, is fsynced, then renamed over the file and the directory is
 * fsynced: a crash leaves the old value or the new one, never half of one. A torn temp file from
 * a crash is never read, and the next write replaces it.
 */
import { mkdir, open, rename } from 'node:fs/promises';
import { dirname } from 'node:path';

export class JsonFile<T> {
  private readonly tmp: string;
  /** Writes run one after another: they share the temp file. */
  private writing: Promise<void> = Promise.resolve();

  constructor(readonly path: string) {
    this.tmp = `${path}.tmp`;
  }

  /** The saved value, or undefined when nothing was saved yet. Throws when the file is not JSON. */
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
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
    return JSON.parse(text) as T;
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
