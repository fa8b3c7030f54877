// common/mounts.ts against a scripted HostFs: a directory's cached host handle is dropped when the
// name now holds another inode (the old directory was removed and its number reused), and nodes
// are told apart by device as well as inode.
import { describe, expect, it } from 'vitest';
import { Tree } from '@boxer/vfs';
import { attachMounts, type HostFs, type HostStat } from '../src/common/mounts.js';

const dirStat = (ino: bigint, dev = 1n): HostStat => ({ type: 'dir', size: 4096, mode: 0o755, nlink: 2, ino, dev, atimeNs: 0n, mtimeNs: 0n, ctimeNs: 0n });

/** A host with one root (handle 100) holding directory `a`, whose inode the test changes. */
function scripted(): { fs: HostFs; entries: Map<string, HostStat>; handles: Map<number, HostStat>; closed: number[] } {
  const entries = new Map<string, HostStat>([['a', dirStat(5n)]]);
  const handles = new Map<number, HostStat>([[100, dirStat(2n)]]);
  const closed: number[] = [];
  let next = 200;
  const unused = (): never => {
    throw new Error('not used by this test');
  };
  const fs: HostFs = {
    root: () => 100,
    lstat: (_dir, name) => entries.get(name),
    list: () => [...entries.keys()],
    openDir: (_dir, name) => {
      const fd = next++;
      handles.set(fd, entries.get(name)!);
      return fd;
    },
    fstat: (h) => handles.get(h)!,
    close: (h) => void closed.push(h),
    closeAll: () => {},
    openFile: unused, read: unused, write: unused, truncate: unused, sync: unused, mkdir: unused, rmdir: unused,
    unlink: unused, rename: unused, link: unused, symlink: unused, readlink: unused, setTimes: unused,
  };
  return { fs, entries, handles, closed };
}

describe('host mounts', () => {
  it('keep a directory handle while its name holds the same inode, and tell directories apart by device and inode', () => {
    const { fs, entries, closed } = scripted();
    const tree = new Tree();
    const [mount] = attachMounts(tree, [{ target: '/m', readonly: true, source: '/host', fs }]);
    const a = mount!.rootDir.lookup('a');
    expect(a?.kind).toBe('dir');
    const hd = (a as { source: { handle(): number } }).source;
    const first = hd.handle();
    // Same inode on the next lookup: the handle stays.
    mount!.rootDir.lookup('a');
    expect(hd.handle()).toBe(first);
    expect(closed).toEqual([]);
    // `a` was removed and made again with another inode, or on another device: another node.
    entries.set('a', dirStat(6n));
    const again = mount!.rootDir.lookup('a');
    expect(again).not.toBe(a);
    entries.set('a', dirStat(5n, 2n));
    const otherDev = mount!.rootDir.lookup('a');
    expect(otherDev).not.toBe(a);
  });

  it('drop a cached handle that no longer holds the directory its name names (the inode number was reused), and open it again by name', () => {
    const { fs, handles, closed } = scripted();
    const tree = new Tree();
    const [mount] = attachMounts(tree, [{ target: '/m', readonly: true, source: '/host', fs }]);
    const a = mount!.rootDir.lookup('a') as { source: { handle(): number } };
    const fd = a.source.handle();
    // The handle now holds a removed directory whose number was reused: fstat disagrees with lstat.
    handles.set(fd, dirStat(9n));
    mount!.rootDir.lookup('a');
    expect(closed).toEqual([fd]);
    expect(a.source.handle()).not.toBe(fd);
  });
});
