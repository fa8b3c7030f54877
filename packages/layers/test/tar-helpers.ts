// Test helpers: a minimal ustar writer (so tests can write any entry, hostile ones included, without
// a tar tool deciding for them), layer sources, and tree/host listings for comparisons.
import { createHash } from 'node:crypto';
import { lstatSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import type { LayerSource } from '@boxer/layers';
import { fileContent, type Tree } from '@boxer/vfs';

export interface Entry {
  name: string;
  type?: 'file' | 'dir' | 'symlink' | 'link' | 'fifo' | 'char';
  data?: string | Uint8Array;
  link?: string;
  mode?: number;
  uid?: number;
  gid?: number;
  /** Seconds. @default 1700000000 */
  mtime?: number;
}

const TYPE = { file: '0', link: '1', symlink: '2', char: '3', dir: '5', fifo: '6' } as const;
const enc = new TextEncoder();

function octal(n: number, width: number): string {
  return n.toString(8).padStart(width - 1, '0') + '\0';
}

/** One 512-byte ustar header. */
export function header(e: Entry, size: number): Uint8Array {
  const h = new Uint8Array(512);
  const put = (s: string, at: number, len: number) => h.set(enc.encode(s).subarray(0, len), at);
  let name = e.name;
  let prefix = '';
  if (enc.encode(name).length > 100) {
    const cut = name.lastIndexOf('/', 155);
    prefix = name.slice(0, cut);
    name = name.slice(cut + 1);
  }
  const type = e.type ?? 'file';
  put(name, 0, 100);
  put(octal(e.mode ?? (type === 'dir' ? 0o755 : type === 'symlink' ? 0o777 : 0o644), 8), 100, 8);
  put(octal(e.uid ?? 0, 8), 108, 8);
  put(octal(e.gid ?? 0, 8), 116, 8);
  put(octal(size, 12), 124, 12);
  put(octal(e.mtime ?? 1_700_000_000, 12), 136, 12);
  put('        ', 148, 8);
  put(TYPE[type], 156, 1);
  put(e.link ?? '', 157, 100);
  put('ustar\0', 257, 6);
  put('00', 263, 2);
  put(prefix, 345, 155);
  let sum = 0;
  for (const b of h) sum += b;
  put(sum.toString(8).padStart(6, '0') + '\0 ', 148, 8);
  return h;
}

/** A whole tar archive (with its two end blocks). */
export function tar(entries: Entry[]): Uint8Array {
  const parts: Uint8Array[] = [];
  for (const e of entries) {
    const data = typeof e.data === 'string' ? enc.encode(e.data) : (e.data ?? new Uint8Array(0));
    const size = (e.type ?? 'file') === 'file' ? data.length : 0;
    parts.push(header(e, size));
    if (size) {
      parts.push(data);
      if (size % 512) parts.push(new Uint8Array(512 - (size % 512)));
    }
  }
  parts.push(new Uint8Array(1024));
  return Buffer.concat(parts);
}

export const layer = (entries: Entry[]): LayerSource => ({ open: () => tar(entries) });
export const bytesLayer = (bytes: Uint8Array, digest?: string): LayerSource => ({ digest, open: () => bytes });

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex').slice(0, 16);

/** One line per entry below the root: path, type, mode, uid:gid, then nlink+sha (file) or target (symlink). */
export function listTree(tree: Tree, opts: { mtime?: boolean } = {}): string[] {
  const out: string[] = [];
  for (const [path, node] of tree.walk()) {
    const mode = (node.mode & 0o7777).toString(8);
    const t = opts.mtime ? ` t=${node.mtime / 1_000_000_000n}` : '';
    if (node.kind === 'symlink') out.push(`${path} symlink ${node.uid}:${node.gid} -> ${node.target}${t}`);
    else if (node.kind === 'dir') out.push(`${path} dir ${mode} ${node.uid}:${node.gid}${t}`);
    else out.push(`${path} file ${mode} ${node.uid}:${node.gid} nlink=${node.nlink} ${sha(fileContent(node))}${t}`);
  }
  return out;
}

/** The same listing of a host directory, never following a symlink (lstat). */
export function listHost(dir: string, opts: { mtime?: boolean } = {}): string[] {
  const out: string[] = [];
  const walk = (rel: string) => {
    const st = lstatSync(join(dir, rel));
    const path = rel === '' ? '/' : rel;
    const mode = (st.mode & 0o7777).toString(8);
    const t = opts.mtime ? ` t=${Math.floor(st.mtimeMs / 1000)}` : '';
    if (st.isSymbolicLink()) out.push(`${path} symlink ${st.uid}:${st.gid} -> ${readlinkSync(join(dir, rel))}${t}`);
    else if (st.isDirectory()) {
      out.push(`${path} dir ${mode} ${st.uid}:${st.gid}${t}`);
      for (const name of readdirSync(join(dir, rel)).sort()) walk(`${rel}/${name}`);
    } else if (st.isFile()) out.push(`${path} file ${mode} ${st.uid}:${st.gid} nlink=${st.nlink} ${sha(readFileSync(join(dir, rel)))}${t}`);
    else out.push(`${path} special`);
  };
  walk('');
  return out;
}
