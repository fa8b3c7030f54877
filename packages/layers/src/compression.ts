// Compression sniffing and streaming decompression for archives and layers. Decided by content, not
// by name (Docker: "Whether a file is identified as a recognized compression format or not is done
// solely based on the contents of the file"). gzip uses the platform's DecompressionStream, bzip2
// unbzip2-stream, xz xz-decompress (Wasm); zstd is refused until layers need it.
import { PassThrough, Readable } from 'node:stream';
import bunzip2 from 'unbzip2-stream';
import xz from 'xz-decompress';

// NOTE: xz-decompress is CommonJS; its class is reached through the default export under NodeNext.
const { XzReadableStream } = xz;

export type Compression = 'gzip' | 'bzip2' | 'xz' | 'zstd' | 'none';

export function sniffCompression(head: Uint8Array): Compression {
  if (head[0] === 0x1f && head[1] === 0x8b) return 'gzip';
  if (head[0] === 0x42 && head[1] === 0x5a && head[2] === 0x68) return 'bzip2';
  if (head[0] === 0xfd && head[1] === 0x37 && head[2] === 0x7a && head[3] === 0x58 && head[4] === 0x5a && head[5] === 0x00) return 'xz';
  if (head[0] === 0x28 && head[1] === 0xb5 && head[2] === 0x2f && head[3] === 0xfd) return 'zstd';
  return 'none';
}

/** True when `bytes` (decompressed) start with a POSIX/GNU tar header: "ustar" magic at 257 and a valid checksum. */
export function looksLikeTar(bytes: Uint8Array): boolean {
  if (bytes.length < 512) return false;
  const magic = String.fromCharCode(...bytes.subarray(257, 262));
  if (magic !== 'ustar') return false;
  const stored = parseInt(String.fromCharCode(...bytes.subarray(148, 156)).replace(/\0.*$/, '').trim(), 8);
  let sum = 0;
  for (let i = 0; i < 512; i++) sum += i >= 148 && i < 156 ? 0x20 : bytes[i]!;
  return stored === sum;
}

/** A stream of the decompressed bytes of `input` (`kind` from sniffCompression; not zstd). */
export function decompress(input: ReadableStream<Uint8Array>, kind: Exclude<Compression, 'zstd'>): ReadableStream<Uint8Array> {
  switch (kind) {
    case 'none':
      return input;
    case 'gzip':
      return input.pipeThrough(new DecompressionStream('gzip') as unknown as ReadableWritablePair<Uint8Array, Uint8Array>);
    case 'xz':
      return new XzReadableStream(input);
    case 'bzip2': {
      // NOTE: unbzip2-stream is an old-style `through` stream; a PassThrough makes it a stream.Readable.
      const out = new PassThrough();
      const decoder = bunzip2();
      decoder.on('error', (e: Error) => out.destroy(e));
      Readable.fromWeb(input as import('node:stream/web').ReadableStream).on('error', (e) => out.destroy(e)).pipe(decoder).pipe(out);
      return Readable.toWeb(out) as unknown as ReadableStream<Uint8Array>;
    }
  }
}

export function bytesStream(bytes: Uint8Array, chunk = 1 << 20): ReadableStream<Uint8Array> {
  let offset = 0;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      if (offset >= bytes.length) return controller.close();
      controller.enqueue(bytes.subarray(offset, offset + chunk));
      offset += chunk;
    },
  });
}
