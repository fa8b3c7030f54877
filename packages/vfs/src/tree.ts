// The in-memory file tree shared by the build (layers, COPY) and the runtime (the guest's filesystem).
// In: operations on guest paths. Out: a tree of nodes whose file contents may be zero-copy views into
// a box's bytes until first written (copy-on-write per file).
//
// Path resolution follows Linux inside a chroot: `..` at the root stays at the root, absolute symlink
// targets restart at the tree's root, at most MAX_SYMLINKS links are followed. Nothing here can name a
// host path: the tree has no notion of one.
import { VfsError } from './errors.js';

export const MAX_SYMLINKS = 40;
/** Longest path component the tree accepts (Linux NAME_MAX). */
export const NAME_MAX = 255;
/** Longest path the tree resolves (Linux PATH_MAX, bytes including the terminating NUL). */
export const PATH_MAX = 4096;

export const S_IFMT = 0o170000;
export const S_IFREG = 0o100000;
export const S_IFDIR = 0o040000;
export const S_IFLNK = 0o120000;

export interface NodeMeta {
  /** Permission bits including setuid/setgid/sticky (`mode & 0o7777`). */
  mode: number;
  uid: number;
  gid: number;
  /** Modification time in nanoseconds since the Unix epoch. */
  mtime: bigint;
}

interface NodeBase extends NodeMeta {
  /** Inode number, unique within one tree. */
  readonly ino: number;
}

export interface FileNode extends NodeBase {
  readonly kind: 'file';
  /**
   * Backing bytes of a dense file; only `data.subarray(0, size)` is content. May be a view into
   * shared box bytes. Empty for a paged file.
   */
  data: Uint8Array;
  /**
   * A large or sparse file's content: PAGE_SIZE pages by index, a missing page being zeros (a hole),
   * as tmpfs keeps files. A file becomes paged when a write or truncate takes it past DENSE_LIMIT;
   * read it with readAt()/fileContent(), never through `data`.
   */
  pages?: Map<number, Uint8Array>;
  size: number;
  /** True once `data` is a private buffer this tree may write into. */
  owned: boolean;
  /** Number of directory entries naming this file (hard links). */
  nlink: number;
  /** `sha256:<hex>` of the content as the snapshot recorded it; cleared by the first write. */
  digest?: string;
}

export interface DirNode extends NodeBase {
  readonly kind: 'dir';
  /** The children, unless `source` holds them. */
  readonly entries: Map<string, VNode>;
  /** Physical parent; the root is its own parent. */
  parent: DirNode;
  /**
   * Where the children live when not in `entries`: a directory backed by something outside the tree
   * (a host mount at run time). Resolution asks it for one name at a time and goes on in this tree
   * with what it returns (a symlink's target is resolved here, `..` goes to `parent`), so nothing it
   * returns can make resolution leave the tree.
   */
  source?: DirSource;
}

/** The children of a directory that lives outside the tree (see `DirNode.source`). */
export interface DirSource {
  /** The child called `name` as it is now, or undefined when there is none. `name` is one component. */
  lookup(name: string): VNode | undefined;
  /** The names of the children as they are now, in no particular order. */
  list(): string[];
}

export interface SymlinkNode extends NodeBase {
  readonly kind: 'symlink';
  target: string;
  nlink: number;
}

export type VNode = FileNode | DirNode | SymlinkNode;

export interface Resolved {
  /** The node the path names, or undefined when only its last component is missing. */
  node: VNode | undefined;
  /** The directory holding the last component. */
  parent: DirNode;
  /** The last component; `.` when the path ends in `.`, `..` or names the start directory itself. */
  name: string;
}

export interface ResolveOptions {
  /** Directory that relative paths start from. @default the root */
  cwd?: DirNode;
  /** Follow a symlink in the last component. @default true */
  follow?: boolean;
}

const EMPTY = new Uint8Array(0);

export class Tree {
  readonly root: DirNode;
  private nextIno = 1;

  constructor(rootMeta: Partial<NodeMeta> = {}) {
    const root = this.makeDir(rootMeta);
    root.parent = root;
    this.root = root;
  }

  // ---- node construction -------------------------------------------------------------------

  /** A fresh directory node not yet linked anywhere (its parent is itself until linked). */
  makeDir(meta: Partial<NodeMeta> = {}): DirNode {
    const node = { kind: 'dir', ino: this.nextIno++, entries: new Map(), ...fill(meta, 0o755) } as DirNode;
    node.parent = node;
    return node;
  }

  makeFile(data: Uint8Array = EMPTY, meta: Partial<NodeMeta> = {}, owned = false): FileNode {
    return { kind: 'file', ino: this.nextIno++, data, size: data.length, owned, nlink: 0, ...fill(meta, 0o644) };
  }

  makeSymlink(target: string, meta: Partial<NodeMeta> = {}): SymlinkNode {
    return { kind: 'symlink', ino: this.nextIno++, target, nlink: 0, ...fill(meta, 0o777) };
  }

  // ---- resolution ----------------------------------------------------------------------------

  /**
   * Resolves `path` inside the tree. Throws VfsError ENOENT when an intermediate component is
   * missing, ENOTDIR when one is not a directory, ELOOP past MAX_SYMLINKS links, ENAMETOOLONG for a
   * component over NAME_MAX bytes. A missing last component is not an error: `node` is undefined.
   */
  resolve(path: string, options: ResolveOptions = {}): Resolved {
    if (path === '') throw new VfsError('ENOENT', path);
    if (path.length >= PATH_MAX && utf8Length(path) >= PATH_MAX) throw new VfsError('ENAMETOOLONG', path.slice(0, 64));
    const follow = options.follow ?? true;
    let cur: DirNode = path.startsWith('/') ? this.root : (options.cwd ?? this.root);
    // Components still to walk, in reverse so that pop() is the next one.
    const rest = splitReversed(path);
    let mustBeDir = path.endsWith('/');
    let links = 0;
    let lastName = '.';
    while (rest.length > 0) {
      const comp = rest.pop()!;
      const isLast = rest.length === 0;
      if (comp === '.' || comp === '..') {
        if (comp === '..') cur = cur.parent;
        lastName = '.';
        continue;
      }
      if (utf8Length(comp) > NAME_MAX) throw new VfsError('ENAMETOOLONG', path);
      const child = cur.source ? cur.source.lookup(comp) : cur.entries.get(comp);
      if (child === undefined) {
        if (isLast) return { node: undefined, parent: cur, name: comp };
        throw new VfsError('ENOENT', path);
      }
      if (child.kind === 'symlink' && (!isLast || follow || mustBeDir)) {
        if (++links > MAX_SYMLINKS) throw new VfsError('ELOOP', path);
        if (child.target === '') throw new VfsError('ENOENT', path);
        if (child.target.startsWith('/')) cur = this.root;
        rest.push(...splitReversed(child.target));
        if (isLast && child.target.endsWith('/')) mustBeDir = true;
        lastName = '.';
        continue;
      }
      if (isLast) {
        if (mustBeDir && child.kind !== 'dir') throw new VfsError('ENOTDIR', path);
        return { node: child, parent: cur, name: comp };
      }
      if (child.kind !== 'dir') throw new VfsError('ENOTDIR', path);
      cur = child;
    }
    // The path ended in `.`/`..` (or a symlink to a directory that resolved to one): it names `cur`.
    return { node: cur, parent: cur.parent, name: lastName };
  }

  /** The node at `path`, or throws ENOENT. */
  get(path: string, options: ResolveOptions = {}): VNode {
    const r = this.resolve(path, options);
    if (!r.node) throw new VfsError('ENOENT', path);
    return r.node;
  }

  /** The node at `path` or undefined when any component is missing. Other errors still throw. */
  tryGet(path: string, options: ResolveOptions = {}): VNode | undefined {
    try {
      return this.resolve(path, options).node;
    } catch (e) {
      if (e instanceof VfsError && e.code === 'ENOENT') return undefined;
      throw e;
    }
  }

  getDir(path: string, options: ResolveOptions = {}): DirNode {
    const node = this.get(path, options);
    if (node.kind !== 'dir') throw new VfsError('ENOTDIR', path);
    return node;
  }

  /**
   * A deep copy of the tree's structure (hard links stay shared within the copy). File bytes are
   * shared and marked not owned, so writes on either side copy first.
   */
  clone(): Tree {
    const out = new Tree(metaOf(this.root));
    const seen = new Map<VNode, VNode>();
    // NOTE: an explicit stack, so a deep tree cannot overflow the JS stack.
    const work: [DirNode, DirNode][] = [[this.root, out.root]];
    while (work.length > 0) {
      const [from, into] = work.pop()!;
      for (const [name, node] of from.entries) {
        let copy = seen.get(node);
        if (!copy) {
          if (node.kind === 'dir') {
            const dir = out.makeDir(metaOf(node));
            work.push([node, dir]);
            copy = dir;
          } else if (node.kind === 'file') {
            node.owned = false;
            copy = out.makeFile(node.pages ? fileContent(node) : node.data.subarray(0, node.size), metaOf(node));
          } else {
            copy = out.makeSymlink(node.target, metaOf(node));
          }
          seen.set(node, copy);
        }
        out.link(into, name, copy);
      }
    }
    return out;
  }

  // ---- mutation ------------------------------------------------------------------------------

  /** Links `node` into `dir` as `name`. Throws EEXIST when the name is taken. */
  link(dir: DirNode, name: string, node: VNode): void {
    checkName(name);
    if (dir.entries.has(name)) throw new VfsError('EEXIST', name);
    dir.entries.set(name, node);
    if (node.kind === 'dir') node.parent = dir;
    else node.nlink++;
  }

  /** Removes the entry `name` from `dir` (no emptiness check; callers decide). Returns the node. */
  unlinkEntry(dir: DirNode, name: string): VNode {
    const node = dir.entries.get(name);
    if (!node) throw new VfsError('ENOENT', name);
    dir.entries.delete(name);
    if (node.kind !== 'dir') node.nlink--;
    return node;
  }

  /** `mkdir -p`: creates missing directories along `path` with `meta`; follows symlinks. */
  mkdirp(path: string, meta: Partial<NodeMeta> = {}, options: ResolveOptions = {}): DirNode {
    if (path.length >= PATH_MAX && utf8Length(path) >= PATH_MAX) throw new VfsError('ENAMETOOLONG', path.slice(0, 64));
    let cur: DirNode = path.startsWith('/') ? this.root : (options.cwd ?? this.root);
    for (const comp of path.split('/')) {
      if (comp === '' || comp === '.') continue;
      const r = this.resolve(comp, { cwd: cur });
      if (r.node === undefined) {
        const dir = this.makeDir(meta);
        this.link(r.parent, r.name, dir);
        cur = dir;
      } else if (r.node.kind === 'dir') {
        cur = r.node;
      } else {
        throw new VfsError('ENOTDIR', path);
      }
    }
    return cur;
  }

  /**
   * Creates or replaces the file at `path` with `data` (parents must exist unless `parents` is set).
   * An existing directory at `path` is EISDIR. A symlink in the last component is followed.
   */
  writeFile(path: string, data: Uint8Array, meta: Partial<NodeMeta> = {}, options: ResolveOptions & { parents?: boolean } = {}): FileNode {
    const r = this.resolveForCreate(path, options);
    if (r.node?.kind === 'dir') throw new VfsError('EISDIR', path);
    if (r.node) this.unlinkEntry(r.parent, r.name);
    const file = this.makeFile(data, meta);
    this.link(r.parent, r.name, file);
    return file;
  }

  /** Creates a symlink at `path` (replacing a non-directory there when `replace` is set). */
  symlink(path: string, target: string, meta: Partial<NodeMeta> = {}, options: ResolveOptions & { parents?: boolean; replace?: boolean } = {}): SymlinkNode {
    const r = this.resolveForCreate(path, { ...options, follow: false });
    if (r.node) {
      if (!options.replace || r.node.kind === 'dir') throw new VfsError('EEXIST', path);
      this.unlinkEntry(r.parent, r.name);
    }
    const link = this.makeSymlink(target, meta);
    this.link(r.parent, r.name, link);
    return link;
  }

  private resolveForCreate(path: string, options: ResolveOptions & { parents?: boolean }): Resolved & { name: string } {
    if (options.parents) {
      const cut = path.replace(/\/+$/, '').lastIndexOf('/');
      if (cut > 0) this.mkdirp(path.slice(0, cut), {}, options);
    }
    const r = this.resolve(path, options);
    if (r.name === '.') throw new VfsError(r.node?.kind === 'dir' ? 'EISDIR' : 'EEXIST', path);
    return r;
  }

  /** Removes the entry at `path` (not following a final symlink); directories must be empty unless `recursive`. */
  remove(path: string, options: ResolveOptions & { recursive?: boolean } = {}): void {
    const r = this.resolve(path, { ...options, follow: false });
    if (!r.node) throw new VfsError('ENOENT', path);
    if (r.name === '.') throw new VfsError('EBUSY', path);
    if (r.node.kind === 'dir' && r.node.entries.size > 0 && !options.recursive) throw new VfsError('ENOTEMPTY', path);
    this.unlinkEntry(r.parent, r.name);
  }

  /**
   * Moves the entry `fromName` of `fromDir` to `toName` in `toDir`, replacing what is there, with
   * Linux rename(2) rules: renaming a node onto itself (the same inode) does nothing; a directory
   * may replace only an empty directory (ENOTDIR, ENOTEMPTY) and a non-directory only a
   * non-directory (EISDIR); a directory cannot move below itself (EINVAL). Names are single
   * components; callers resolve paths (and refuse `.`/`..`) first.
   */
  rename(fromDir: DirNode, fromName: string, toDir: DirNode, toName: string): void {
    checkName(toName);
    const node = fromDir.entries.get(fromName);
    if (!node) throw new VfsError('ENOENT', fromName);
    const existing = toDir.entries.get(toName);
    if (existing === node) return;
    if (node.kind === 'dir') {
      for (let d = toDir; ; d = d.parent) {
        if (d === node) throw new VfsError('EINVAL', toName);
        if (d.parent === d) break;
      }
    }
    if (existing) {
      if (node.kind === 'dir') {
        if (existing.kind !== 'dir') throw new VfsError('ENOTDIR', toName);
        if (existing.entries.size > 0) throw new VfsError('ENOTEMPTY', toName);
      } else if (existing.kind === 'dir') {
        throw new VfsError('EISDIR', toName);
      }
      this.unlinkEntry(toDir, toName);
    }
    this.unlinkEntry(fromDir, fromName);
    this.link(toDir, toName, node);
  }

  /** Sorted entry names of a directory (byte order of their UTF-8, as in the snapshot). */
  readdir(dir: DirNode): string[] {
    return (dir.source ? dir.source.list() : [...dir.entries.keys()]).sort(compareNames);
  }

  /**
   * Visits every node depth-first in sorted order, parents before children. Paths are absolute.
   * A node reached through several names (hard links) is visited once per name. Iterative, so a
   * deep tree cannot overflow the stack. A directory with a `source` (a host mount) is yielded but
   * not entered.
   */
  *walk(start: DirNode = this.root, prefix = ''): Generator<[path: string, node: VNode]> {
    if (start === this.root && prefix === '') yield ['/', start];
    const stack: [string, VNode][] = [];
    const push = (dir: DirNode, at: string): void => {
      // NOTE: a directory with a `source` is not part of the tree's own content (a host mount).
      if (dir.source) return;
      const names = this.readdir(dir);
      for (let i = names.length - 1; i >= 0; i--) stack.push([`${at}/${names[i]}`, dir.entries.get(names[i]!)!]);
    };
    push(start, prefix);
    while (stack.length > 0) {
      const [path, node] = stack.pop()!;
      yield [path, node];
      if (node.kind === 'dir') push(node, path);
    }
  }
}

// ---- file contents ----------------------------------------------------------------------------

/** Bytes per page of a paged file. */
export const PAGE_SIZE = 65536;
/**
 * Largest size a file keeps as one buffer; a write or truncate past it makes the file paged, so a
 * sparse file (a far pwrite, a large ftruncate) allocates only the pages written, as on tmpfs.
 */
export const DENSE_LIMIT = 1024 * 1024;

/**
 * The content of a file: a view for a dense file (do not write into it), a fresh copy for a paged
 * one (RangeError when it is too large for one buffer; read such a file with readAt).
 */
export function fileContent(file: FileNode): Uint8Array {
  if (!file.pages) return file.data.subarray(0, file.size);
  const out = new Uint8Array(file.size);
  readAt(file, 0, out);
  return out;
}

/** Copies the file's bytes from `offset` into `into`; returns how many (fewer at the end of the file). */
export function readAt(file: FileNode, offset: number, into: Uint8Array): number {
  const n = Math.max(0, Math.min(into.length, file.size - offset));
  if (n === 0) return 0;
  if (!file.pages) {
    into.set(file.data.subarray(offset, offset + n));
    return n;
  }
  for (let done = 0; done < n;) {
    const at = offset + done;
    const index = Math.floor(at / PAGE_SIZE);
    const within = at - index * PAGE_SIZE;
    const take = Math.min(PAGE_SIZE - within, n - done);
    const page = file.pages.get(index);
    if (page) into.set(page.subarray(within, within + take), done);
    else into.fill(0, done, done + take);
    done += take;
  }
  return n;
}

/** Bytes of memory the file's content holds: its size when dense, its pages when paged. */
export function allocatedBytes(file: FileNode): number {
  return file.pages ? file.pages.size * PAGE_SIZE : file.size;
}

/** Turns a dense file into a paged one (copying its content into pages; all-zero pages stay holes). */
function toPages(file: FileNode): Map<number, Uint8Array> {
  if (file.pages) return file.pages;
  const pages = new Map<number, Uint8Array>();
  for (let at = 0; at < file.size; at += PAGE_SIZE) {
    const chunk = file.data.subarray(at, Math.min(at + PAGE_SIZE, file.size));
    if (chunk.some((b) => b !== 0)) {
      const page = new Uint8Array(PAGE_SIZE);
      page.set(chunk);
      pages.set(at / PAGE_SIZE, page);
    }
  }
  file.pages = pages;
  file.data = EMPTY;
  file.owned = true;
  return pages;
}

/** Makes `file.data` private and at least `capacity` bytes long (copy-on-write). */
function ensureWritable(file: FileNode, capacity: number): void {
  if (file.owned && file.data.length >= capacity) return;
  const next = new Uint8Array(file.owned ? Math.max(capacity, file.data.length * 2) : Math.max(capacity, file.size));
  next.set(file.data.subarray(0, file.size));
  file.data = next;
  file.owned = true;
}

/** Writes `bytes` at `offset`, zero-filling any gap, and returns the number of bytes written. */
export function writeAt(file: FileNode, offset: number, bytes: Uint8Array): number {
  delete file.digest;
  const end = offset + bytes.length;
  if (file.pages || end > DENSE_LIMIT) {
    const pages = toPages(file);
    for (let done = 0; done < bytes.length;) {
      const at = offset + done;
      const index = Math.floor(at / PAGE_SIZE);
      const within = at - index * PAGE_SIZE;
      const take = Math.min(PAGE_SIZE - within, bytes.length - done);
      let page = pages.get(index);
      if (!page) {
        page = new Uint8Array(PAGE_SIZE);
        pages.set(index, page);
      }
      page.set(bytes.subarray(done, done + take), within);
      done += take;
    }
    if (end > file.size) file.size = end;
    return bytes.length;
  }
  ensureWritable(file, end);
  if (offset > file.size) file.data.fill(0, file.size, offset);
  file.data.set(bytes, offset);
  if (end > file.size) file.size = end;
  return bytes.length;
}

/** Sets the file's size, zero-filling when it grows (a paged file grows by a hole, allocating nothing). */
export function truncate(file: FileNode, size: number): void {
  if (size !== file.size) delete file.digest;
  if (file.pages || size > DENSE_LIMIT) {
    const pages = toPages(file);
    if (size < file.size) {
      const last = Math.floor(size / PAGE_SIZE);
      for (const index of [...pages.keys()]) if (index > last || (index === last && size % PAGE_SIZE === 0)) pages.delete(index);
      // NOTE: bytes past the new end in the last page must read as zeros if the file grows again.
      pages.get(last)?.fill(0, size % PAGE_SIZE);
    }
    file.size = size;
    return;
  }
  if (size > file.size) {
    ensureWritable(file, size);
    file.data.fill(0, file.size, size);
  } else if (!file.owned) {
    file.data = file.data.subarray(0, size);
  }
  file.size = size;
}

// ---- helpers -------------------------------------------------------------------------------------

function metaOf(node: NodeMeta): NodeMeta {
  return { mode: node.mode, uid: node.uid, gid: node.gid, mtime: node.mtime };
}

function fill(meta: Partial<NodeMeta>, mode: number): NodeMeta {
  return { mode: meta.mode ?? mode, uid: meta.uid ?? 0, gid: meta.gid ?? 0, mtime: meta.mtime ?? 0n };
}

function splitReversed(path: string): string[] {
  return path.split('/').filter((c) => c !== '').reverse();
}

function checkName(name: string): void {
  if (name === '' || name === '.' || name === '..' || name.includes('/') || name.includes('\0')) throw new VfsError('EINVAL', name);
  if (utf8Length(name) > NAME_MAX) throw new VfsError('ENAMETOOLONG', name);
}

const encoder = new TextEncoder();
function utf8Length(s: string): number {
  // NOTE: ASCII fast path; most names are.
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 0x7f) return encoder.encode(s).length;
  return s.length;
}

/**
 * Orders names by their UTF-8 bytes, so that JS and any other reader agree. UTF-8 byte order is code
 * point order, so this compares code points (not UTF-16 units, which misorder astral characters).
 */
export function compareNames(a: string, b: string): number {
  if (a === b) return 0;
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const ca = a.codePointAt(i)!;
    const cb = b.codePointAt(j)!;
    if (ca !== cb) return ca - cb;
    i += ca > 0xffff ? 2 : 1;
    j += cb > 0xffff ? 2 : 1;
  }
  return (a.length - i) - (b.length - j);
}

/** The `st_mode` type bits of a node. */
export function typeBits(node: VNode): number {
  return node.kind === 'file' ? S_IFREG : node.kind === 'dir' ? S_IFDIR : S_IFLNK;
}
