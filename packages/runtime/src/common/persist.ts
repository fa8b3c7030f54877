// The `--persist` store (DESIGN §5, §0.11): the guest's whole filesystem as a run left it (mounts
// and tmpfs excluded), kept on the host so that the next run of the same box starts from it.
// In: a Tree, or store bytes. Out: store bytes, or a Tree. Isomorphic; the host side that reads and
// writes the file is node/persist-adapter.ts.
//
// Layout: the 8 bytes "BOXRWL1\n", a u32 (little endian) header length, the header (canonical JSON:
// format, the box's snapshot digest, the layer's index digest and the two lengths), then the layer's
// snapshot index and data exactly as a box holds them (@boxer/vfs encodeSnapshot). A store made from
// another box is refused: its files would be laid over a different image.
import { BoxerError } from '@boxer/diagnostics';
import { canonicalJson, decodeSnapshot, digestOf, encodeSnapshot, type Tree } from '@boxer/vfs';
import { persistInvalid, persistMismatch } from './diagnostics.js';

const MAGIC = new TextEncoder().encode('BOXRWL1\n');
const FORMAT = 1;

interface StoreHeader {
  format: number;
  /** The snapshot digest of the box whose runs made this store. */
  box: string;
  /** Digest of the layer's snapshot index. */
  index: string;
  indexBytes: number;
  dataBytes: number;
}

/** Encodes `tree` as a store for the box whose snapshot digest is `boxSnapshot`. */
export function encodeStore(tree: Tree, boxSnapshot: string): Uint8Array {
  const snap = encodeSnapshot(tree);
  const header = new TextEncoder().encode(canonicalJson({
    format: FORMAT, box: boxSnapshot, index: snap.digest, indexBytes: snap.index.length, dataBytes: snap.data.length,
  } satisfies StoreHeader));
  const out = new Uint8Array(MAGIC.length + 4 + header.length + snap.index.length + snap.data.length);
  out.set(MAGIC, 0);
  new DataView(out.buffer).setUint32(MAGIC.length, header.length, true);
  let at = MAGIC.length + 4;
  out.set(header, at);
  at += header.length;
  out.set(snap.index, at);
  out.set(snap.data, at + snap.index.length);
  return out;
}

/**
 * The tree a store holds, checked: its magic, header and index digest, every file's content against
 * the index, and that it was made by the box whose snapshot digest is `boxSnapshot` (BoxerError
 * RUNTIME_PERSIST_MISMATCH otherwise; RUNTIME_PERSIST_INVALID for anything damaged).
 */
export function decodeStore(bytes: Uint8Array, boxSnapshot: string, path: string): Tree {
  const bad = (why: string): never => {
    throw new BoxerError(persistInvalid(path, why));
  };
  if (bytes.length < MAGIC.length + 4 || MAGIC.some((b, i) => bytes[i] !== b)) bad('it is not a boxer --persist store');
  const headerLength = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(MAGIC.length, true);
  const start = MAGIC.length + 4;
  if (headerLength > bytes.length - start) bad('its header is cut short');
  let header: StoreHeader;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(start, start + headerLength))) as StoreHeader;
  } catch (e) {
    return bad(`its header is not JSON (${(e as Error).message})`);
  }
  if (typeof header !== 'object' || header === null) bad('its header is not an object');
  if (header.format !== FORMAT) bad(`it has store format ${String(header.format)}; this boxer reads format ${FORMAT} (upgrade boxer)`);
  for (const k of ['indexBytes', 'dataBytes'] as const) if (!Number.isSafeInteger(header[k]) || header[k] < 0) bad(`its header has no valid ${k}`);
  if (typeof header.box !== 'string' || typeof header.index !== 'string') bad('its header names no box or index digest');
  if (header.box !== boxSnapshot) throw new BoxerError(persistMismatch(path, header.box, boxSnapshot));
  const indexAt = start + headerLength;
  if (indexAt + header.indexBytes + header.dataBytes !== bytes.length) bad('its length does not match its header');
  const index = bytes.subarray(indexAt, indexAt + header.indexBytes);
  if (digestOf(index) !== header.index) bad('its index does not match the digest in its header');
  const data = bytes.subarray(indexAt + header.indexBytes);
  try {
    return decodeSnapshot(index, data, { verifyContent: true });
  } catch (e) {
    if (e instanceof BoxerError) return bad(e.diagnostics.map((d) => d.message).join('; '));
    throw e;
  }
}
