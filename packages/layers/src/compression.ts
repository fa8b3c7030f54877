// Compression sniffing and streaming decompression for archives and layers. Decided by content, not
// by name (Docker: "Whether a file is identified as a recognized compression format or not is done
// solely based on the contents of the file"). gzip uses the platform's DecompressionStream, bzip2
// unbzip2-stream, xz xz-decompress (Wasm), zstd fzstd (pure JS, streaming; OCI `+zstd` layers).
import { PassThrough, Readable } from 'node:stream';
import { Decompress as ZstdDecompress } from 'fzstd';
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

export interface DecompressOptions {
  /**
   * Called with the size of every decompressed chunk as it is produced, before it is queued; throwing
   * stops decompression. zstd decodes a pushed chunk synchronously, so this is where a bomb is caught
   * within one block (128 KiB) instead of after a whole chunk's output has been buffered.
   */
  onOutput?: (bytes: number) => void;
  /** Largest zstd window (bytes) a frame may ask for; zstd's own default decoder limit. @default 128 MiB */
  maxZstdWindow?: number;
}

/** Thrown by the zstd decoder for a frame whose window is over `maxZstdWindow`. */
export class ZstdWindowError extends Error {
  constructor(readonly window: number, readonly limit: number) {
    super(`zstd window of ${window} bytes exceeds the limit of ${limit}`);
  }
}

/** A stream of the decompressed bytes of `input` (`kind` from sniffCompression). */
export function decompress(input: ReadableStream<Uint8Array>, kind: Compression, options: DecompressOptions = {}): ReadableStream<Uint8Array> {
  switch (kind) {
    case 'zstd':
      return zstdStream(input, options);
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

/**
 * The window size a zstd frame header at the start of `head` asks for (RFC 8878 §3.1.1.1), or
 * undefined when `head` is too short to tell. fzstd allocates the window up front, so it is checked
 * before the decoder sees the frame. NOTE: only the first frame is checked; later frames of a
 * multi-frame stream are bounded by fzstd's own 2 GiB ceiling.
 */
export function zstdWindowSize(head: Uint8Array): number | undefined {
  if (head.length < 6) return undefined;
  const fhd = head[4]!;
  const fcsFlag = fhd >> 6;
  const singleSegment = (fhd >> 5) & 1;
  if (!singleSegment) {
    const wd = head[5]!;
    const base = 2 ** (10 + (wd >> 3));
    return base + (base / 8) * (wd & 7);
  }
  const dictBytes = [0, 1, 2, 4][fhd & 3]!;
  const fcsBytes = fcsFlag === 0 ? 1 : 1 << fcsFlag;
  const at = 5 + dictBytes;
  if (head.length < at + fcsBytes) return undefined;
  let size = 0;
  for (let i = fcsBytes - 1; i >= 0; i--) size = size * 256 + head[at + i]!;
  return fcsFlag === 1 ? size + 256 : size;
}

function zstdStream(input: ReadableStream<Uint8Array>, options: DecompressOptions): ReadableStream<Uint8Array> {
  const maxWindow = options.maxZstdWindow ?? 128 * 1024 ** 2;
  const reader = input.getReader();
  let out: Uint8Array[] = [];
  const decoder = new ZstdDecompress((chunk) => {
    if (chunk.length === 0) return;
    options.onOutput?.(chunk.length);
    // NOTE: fzstd reuses no output buffers, so the chunk can be queued as it is.
    out.push(chunk);
  });
  let head: Uint8Array | undefined = new Uint8Array(0);
  const STEP = 64 * 1024;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      while (out.length === 0) {
        const { value, done } = await reader.read();
        if (done) {
          if (head !== undefined && head.length > 0) decoder.push(head);
          head = undefined;
          decoder.push(new Uint8Array(0), true);
          for (const c of out) controller.enqueue(c);
          out = [];
          controller.close();
          return;
        }
        if (head !== undefined) {
          const joined = new Uint8Array(head.length + value.length);
          joined.set(head);
          joined.set(value, head.length);
          const window = zstdWindowSize(joined);
          if (window === undefined && joined.length < 32) {
            head = joined;
            continue;
          }
          head = undefined;
          if (window !== undefined && window > maxWindow) throw new ZstdWindowError(window, maxWindow);
          for (let i = 0; i < joined.length; i += STEP) decoder.push(joined.subarray(i, i + STEP));
        } else {
          for (let i = 0; i < value.length; i += STEP) decoder.push(value.subarray(i, i + STEP));
        }
      }
      for (const c of out) controller.enqueue(c);
      out = [];
    },
    cancel: (reason) => reader.cancel(reason),
  });
}
