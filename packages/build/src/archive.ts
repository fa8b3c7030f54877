// Which ADD sources are local tar archives. Docker: "If <src> is a local tar archive in a recognized
// compression format (identity, gzip, bzip2 or xz) then it is unpacked as a directory ... decided
// solely based on the contents of the file, not the name".
import { bytesStream, decompress, looksLikeTar, sniffCompression } from '@boxer/layers';
import { fileContent, type Tree } from '@boxer/vfs';
import { matchSource } from './copy.js';

/** The matched files of `sources` in `src` that are tar archives, by path, with their bytes. */
export async function findArchives(src: Tree, sources: readonly string[]): Promise<Map<string, Uint8Array>> {
  const out = new Map<string, Uint8Array>();
  for (const s of sources) {
    let matches;
    try {
      matches = matchSource(src, s);
    } catch {
      continue; // a bad pattern is reported by copyInto with its own diagnostic
    }
    for (const m of matches) {
      if (m.node.kind !== 'file') continue;
      const bytes = fileContent(m.node);
      if (await isTarArchive(bytes)) out.set(m.path, bytes);
    }
  }
  return out;
}

async function isTarArchive(bytes: Uint8Array): Promise<boolean> {
  const kind = sniffCompression(bytes.subarray(0, 8));
  if (kind === 'zstd') return false; // Docker's ADD does not unpack zstd either
  if (kind === 'none') return looksLikeTar(bytes);
  // Decompress only the first block to look for a tar header.
  const reader = decompress(bytesStream(bytes, 64 * 1024), kind).getReader();
  const head = new Uint8Array(512);
  let got = 0;
  try {
    while (got < 512) {
      const { value, done } = await reader.read();
      if (done) break;
      const n = Math.min(512 - got, value.length);
      head.set(value.subarray(0, n), got);
      got += n;
    }
  } catch {
    return false; // corrupt compressed data: not an archive; ADD copies the file as it is
  } finally {
    void reader.cancel().catch(() => {});
  }
  return got === 512 && looksLikeTar(head);
}
