/** The resolver's durable JSON file: atomic replace, and a torn temp file from a crash is harmless. */
import { mkdir, mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { JsonFile, JsonFileError } from '../../resolver/json-file.js';

describe('JsonFile', () => {
  const dirs: string[] = [];
  const freshDir = async () => {
    const d = await mkdtemp(join(tmpdir(), 'json-file-'));
    dirs.push(d);
    return d;
  };
  afterEach(async () => {
    await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
  });

  it('reads nothing before the first write, then the last value written; creates the directory, owner-only, no temp file left', async () => {
    const path = join(await freshDir(), 'nested', 'jobs.json');
    const file = new JsonFile<{ n: number }[]>(path);
    expect(await file.read()).toBeUndefined();
    await Promise.all([file.write([{ n: 1 }]), file.write([{ n: 2 }]), file.write([{ n: 3 }])]);
    expect(await new JsonFile(path).read()).toEqual([{ n: 3 }]);
    expect(await readdir(join(path, '..'))).toEqual(['jobs.json']);
    expect((await stat(path)).mode & 0o777).toBe(0o600);
  });

  it('ignores a torn temp file left by a crash mid-write, and the next write replaces it', async () => {
    const path = join(await freshDir(), 'jobs.json');
    await new JsonFile(path).write([{ state: 'src_created' }]);
    // A crash between writing the temp file and the rename: half a JSON document.
    await writeFile(`${path}.tmp`, '[{"state":"dst_cr');

    const restarted = new JsonFile<{ state: string }[]>(path);
    expect(await restarted.read()).toEqual([{ state: 'src_created' }]);
    await restarted.write([{ state: 'dst_created' }]);
    expect(JSON.parse(await readFile(path, 'utf8'))).toEqual([{ state: 'dst_created' }]);
    await expect(stat(`${path}.tmp`)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('refuses a file that is not JSON (never by its own writes: only someone else can do that), naming the file and not its content', async () => {
    const path = join(await freshDir(), 'jobs.json');
    await writeFile(path, '{"secret":"0xdeadbeef');
    const err = await new JsonFile(path).read().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(JsonFileError);
    expect((err as Error).message).toContain(path);
    expect((err as Error).message).toContain('not valid JSON');
    expect((err as Error).message).not.toContain('deadbeef');
  });

  it('refuses a file it may not read, instead of reading it as empty', async () => {
    const path = join(await freshDir(), 'jobs.json');
    await new JsonFile(path).write([{ n: 1 }]);
    // A directory where the file should be: EISDIR, the same for root (who may read any file).
    await rm(path);
    await mkdir(path);
    await expect(new JsonFile(path).read()).rejects.toThrow(/cannot be read \(EISDIR\)/);
  });
});
