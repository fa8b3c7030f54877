// The content-addressed blob cache: `<cacheDir>/blobs/sha256/<hex>`, the OCI layout's blob path.
// Writers stream into a temp file beside the target and rename it into place once the digest
// checks out, so concurrent pulls (threads or processes) sharing a cache never see a partial blob.
import { randomBytes } from 'node:crypto';
import { mkdir, rename, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { InternalError } from '@boxer/diagnostics';

const DIGEST = /^sha256:([a-f0-9]{64})$/;

/** Path of a blob in the cache. Only well-formed sha256 digests reach the file system. */
export function blobPath(cacheDir: string, digest: string): string {
  const m = DIGEST.exec(digest);
  if (!m) throw new InternalError(`expected a validated sha256 digest, got ${JSON.stringify(digest)}`);
  return join(cacheDir, 'blobs', 'sha256', m[1]!);
}

/** A fresh temp path beside the blob's final path. */
export async function tempPathFor(finalPath: string): Promise<string> {
  const dir = finalPath.slice(0, finalPath.lastIndexOf('/'));
  await mkdir(dir, { recursive: true });
  return join(dir, `.tmp-${finalPath.slice(dir.length + 1, dir.length + 13)}-${process.pid}-${randomBytes(6).toString('hex')}`);
}

/** Whether the cache holds the blob with the expected size. */
export async function cachedSize(path: string): Promise<number | undefined> {
  try {
    const s = await stat(path);
    return s.isFile() ? s.size : undefined;
  } catch {
    return undefined;
  }
}

/** Moves a verified temp file into place (atomic on one file system). */
export async function commit(temp: string, finalPath: string): Promise<void> {
  await rename(temp, finalPath);
}

export async function discardTemp(temp: string): Promise<void> {
  await unlink(temp).catch(() => undefined);
}
