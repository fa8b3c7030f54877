// Writing a host file whole, for the adapters that keep state across runs (--persist stores,
// --allow-kv bucket files): a temporary file beside it (exclusive, mode 0600), flushed, then renamed
// over it, so a crash or a killed run leaves either the old file or the new one, never half of one.
import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

/** Replaces `path` with `bytes` atomically (see above). Throws the fs error; the old file is then unchanged. */
export function writeWhole(path: string, bytes: Uint8Array): void {
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.boxer-tmp`);
  try {
    const fd = openSync(tmp, 'wx', 0o600);
    try {
      for (let at = 0; at < bytes.length;) at += writeSync(fd, bytes, at, bytes.length - at);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
}
