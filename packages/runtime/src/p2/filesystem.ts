// wasi:filesystem (types, preopens) for a preview2 guest over the same in-memory Tree the preview1
// host uses: one preopen, `/`, is the tree's root; paths resolve with the tree's chroot semantics
// (`..` at the root stays there, absolute symlink targets restart at the root). Absolute paths in an
// `*-at` call are refused (`not-permitted`), as the preview2 spec requires. Nothing here names a host
// path. File data the guest adds counts against `maxWriteBytes` (growth past a file's size when the
// run first touched it, as in WasiHost); past it writes fail with `insufficient-space`.
//
// This is the first slice: open/stat/read/write/list/create/remove over the tree. Calls it does not
// implement (links, renames, times, advisory locks) fail with `unsupported`, never silently.
import { VfsError, fileContent, truncate, writeAt, type DirNode, type FileNode, type Tree, type VNode } from '@boxer/vfs';
import { InputStream, OutputStream, bytesSource, type Reactor } from './io.js';

type ErrorCode = string;
type DescriptorType = 'directory' | 'regular-file' | 'symbolic-link' | 'unknown';
interface Datetime { seconds: bigint; nanoseconds: number }
interface DescriptorFlags { read?: boolean; write?: boolean; mutateDirectory?: boolean; fileIntegritySync?: boolean; dataIntegritySync?: boolean; requestedWriteSync?: boolean }
interface PathFlags { symlinkFollow?: boolean }
interface OpenFlags { create?: boolean; directory?: boolean; exclusive?: boolean; truncate?: boolean }

const VFS_TO_WASI: Record<string, ErrorCode> = {
  ENOENT: 'no-entry', ENOTDIR: 'not-directory', EISDIR: 'is-directory', EEXIST: 'exist', ENOTEMPTY: 'not-empty',
  ELOOP: 'loop', EINVAL: 'invalid', EBUSY: 'busy', ENAMETOOLONG: 'name-too-long', EACCES: 'access', EPERM: 'not-permitted',
  EXDEV: 'cross-device', ENOSPC: 'insufficient-space', EFBIG: 'file-too-large', EBADF: 'bad-descriptor', ENOTCAPABLE: 'not-permitted',
};

/** Runs `fn`, turning a VfsError into the wasi:filesystem error-code the guest expects (thrown as the payload). */
function fs<T>(fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof VfsError) throw VFS_TO_WASI[e.code] ?? 'io';
    throw e;
  }
}

function datetime(ns: bigint): Datetime {
  return { seconds: ns / 1_000_000_000n, nanoseconds: Number(ns % 1_000_000_000n) };
}

function typeOf(node: VNode): DescriptorType {
  return node.kind === 'dir' ? 'directory' : node.kind === 'file' ? 'regular-file' : 'symbolic-link';
}

export interface FilesystemOptions {
  tree: Tree;
  maxWriteBytes: number;
}

export function filesystemImports(reactor: Reactor, o: FilesystemOptions): Record<string, Record<string, unknown>> {
  const tree = o.tree;
  /** Size of each file when this run first wrote it, and the bytes charged for growth. */
  const base = new WeakMap<FileNode, number>();
  let charged = 0;
  const charge = (file: FileNode, newSize: number): void => {
    if (!base.has(file)) base.set(file, file.size);
    const before = Math.max(0, file.size - base.get(file)!);
    const after = Math.max(0, newSize - base.get(file)!);
    if (charged + after - before > o.maxWriteBytes) throw 'insufficient-space';
    charged += after - before;
  };

  const stat = (node: VNode) => ({
    type: typeOf(node),
    linkCount: BigInt(node.kind === 'dir' ? 1 : node.nlink),
    size: BigInt(node.kind === 'file' ? node.size : node.kind === 'symlink' ? node.target.length : 4096),
    dataAccessTimestamp: datetime(node.mtime),
    dataModificationTimestamp: datetime(node.mtime),
    statusChangeTimestamp: datetime(node.mtime),
  });

  class DirectoryEntryStream {
    private i = 0;
    constructor(private readonly entries: { type: DescriptorType; name: string }[]) {}
    readDirectoryEntry(): { type: DescriptorType; name: string } | undefined {
      return this.entries[this.i++];
    }
  }

  class Descriptor {
    constructor(
      readonly node: VNode,
      readonly flags: DescriptorFlags,
    ) {}

    private dir(): DirNode {
      if (this.node.kind !== 'dir') throw 'not-directory';
      return this.node;
    }

    private file(): FileNode {
      if (this.node.kind === 'dir') throw 'is-directory';
      if (this.node.kind !== 'file') throw 'invalid';
      return this.node;
    }

    private resolve(path: string, follow: boolean) {
      if (path.startsWith('/')) throw 'not-permitted';
      return fs(() => tree.resolve(path, { cwd: this.dir(), follow }));
    }

    readViaStream(offset: bigint): InputStream {
      if (!this.flags.read) throw 'bad-descriptor';
      const file = this.file();
      return new InputStream(reactor, bytesSource(fileContent(file).slice(Number(offset))));
    }

    writeViaStream(offset: bigint): OutputStream {
      if (!this.flags.write) throw 'bad-descriptor';
      const file = this.file();
      let at = Number(offset);
      return new OutputStream(reactor, {
        write: (bytes) => {
          charge(file, Math.max(file.size, at + bytes.length));
          at += writeAt(file, at, bytes);
        },
      });
    }

    appendViaStream(): OutputStream {
      if (!this.flags.write) throw 'bad-descriptor';
      const file = this.file();
      return new OutputStream(reactor, {
        write: (bytes) => {
          charge(file, file.size + bytes.length);
          writeAt(file, file.size, bytes);
        },
      });
    }

    advise(): void {}
    syncData(): void {}
    sync(): void {}

    getFlags(): DescriptorFlags {
      return this.flags;
    }

    getType(): DescriptorType {
      return typeOf(this.node);
    }

    setSize(size: bigint): void {
      if (!this.flags.write) throw 'bad-descriptor';
      const file = this.file();
      charge(file, Number(size));
      truncate(file, Number(size));
    }

    read(length: bigint, offset: bigint): [Uint8Array, boolean] {
      if (!this.flags.read) throw 'bad-descriptor';
      const content = fileContent(this.file());
      const start = Math.min(Number(offset), content.length);
      const chunk = content.slice(start, start + Number(length));
      return [chunk, start + chunk.length >= content.length];
    }

    write(buffer: Uint8Array, offset: bigint): bigint {
      if (!this.flags.write) throw 'bad-descriptor';
      const file = this.file();
      charge(file, Math.max(file.size, Number(offset) + buffer.length));
      return BigInt(writeAt(file, Number(offset), buffer));
    }

    readDirectory(): DirectoryEntryStream {
      const dir = this.dir();
      return new DirectoryEntryStream(tree.readdir(dir).map((name) => {
        const child = dir.source ? dir.source.lookup(name) : dir.entries.get(name);
        return { type: child ? typeOf(child) : 'unknown', name };
      }));
    }

    stat() {
      return stat(this.node);
    }

    statAt(pathFlags: PathFlags, path: string) {
      const r = this.resolve(path, pathFlags.symlinkFollow ?? false);
      if (!r.node) throw 'no-entry';
      return stat(r.node);
    }

    openAt(pathFlags: PathFlags, path: string, openFlags: OpenFlags, flags: DescriptorFlags): Descriptor {
      const r = this.resolve(path, pathFlags.symlinkFollow ?? false);
      let node = r.node;
      if (node && openFlags.create && openFlags.exclusive) throw 'exist';
      if (!node) {
        if (!openFlags.create) throw 'no-entry';
        if (openFlags.directory) throw 'invalid';
        if (!this.flags.mutateDirectory && !this.flags.write) throw 'read-only';
        node = fs(() => {
          const file = tree.makeFile(new Uint8Array(0), { mtime: BigInt(Date.now()) * 1_000_000n });
          tree.link(r.parent, r.name, file);
          return file;
        });
      }
      if (node.kind === 'symlink') throw 'loop';
      if (openFlags.directory && node.kind !== 'dir') throw 'not-directory';
      if (node.kind === 'dir' && flags.write) throw 'is-directory';
      if (openFlags.truncate) {
        if (node.kind !== 'file') throw 'is-directory';
        truncate(node, 0);
      }
      return new Descriptor(node, flags);
    }

    createDirectoryAt(path: string): void {
      const r = this.resolve(path, false);
      if (r.node) throw 'exist';
      fs(() => tree.link(r.parent, r.name, tree.makeDir({ mtime: BigInt(Date.now()) * 1_000_000n })));
    }

    removeDirectoryAt(path: string): void {
      const r = this.resolve(path, false);
      if (!r.node) throw 'no-entry';
      if (r.node.kind !== 'dir') throw 'not-directory';
      if (r.name === '.') throw 'invalid';
      if (tree.readdir(r.node).length > 0) throw 'not-empty';
      fs(() => tree.unlinkEntry(r.parent, r.name));
    }

    unlinkFileAt(path: string): void {
      const r = this.resolve(path, false);
      if (!r.node) throw 'no-entry';
      if (r.node.kind === 'dir') throw 'is-directory';
      fs(() => tree.unlinkEntry(r.parent, r.name));
    }

    readlinkAt(path: string): string {
      const r = this.resolve(path, false);
      if (!r.node) throw 'no-entry';
      if (r.node.kind !== 'symlink') throw 'invalid';
      return r.node.target;
    }

    isSameObject(other: Descriptor): boolean {
      return other.node === this.node;
    }

    metadataHash(): { lower: bigint; upper: bigint } {
      return { lower: BigInt(this.node.ino), upper: 0n };
    }

    metadataHashAt(pathFlags: PathFlags, path: string): { lower: bigint; upper: bigint } {
      const r = this.resolve(path, pathFlags.symlinkFollow ?? false);
      if (!r.node) throw 'no-entry';
      return { lower: BigInt(r.node.ino), upper: 0n };
    }

    // NOTE: not in this slice; each fails loudly with `unsupported`.
    setTimes(): never { throw 'unsupported'; }
    setTimesAt(): never { throw 'unsupported'; }
    linkAt(): never { throw 'unsupported'; }
    renameAt(): never { throw 'unsupported'; }
    symlinkAt(): never { throw 'unsupported'; }
  }

  const root = new Descriptor(tree.root, { read: true, write: true, mutateDirectory: true });
  return {
    'wasi:filesystem/types': {
      Descriptor,
      DirectoryEntryStream,
      filesystemErrorCode: (): undefined => undefined,
    },
    'wasi:filesystem/preopens': {
      getDirectories: (): [Descriptor, string][] => [[root, '/']],
    },
  };
}
