// Node's SHA-256 for digests (box snapshots, file checks, --persist stores): node:crypto is native
// and several times faster than the portable @noble/hashes that @boxer/vfs uses by default.
import { createHash } from 'node:crypto';
import { useSha256 } from '@boxer/vfs';

/** Makes @boxer/vfs's digestOf use node:crypto in this thread (each worker has its own copy). */
export function useNodeSha256(): void {
  useSha256((bytes) => createHash('sha256').update(bytes).digest('hex'));
}
