export { Tree, fileContent, readAt, allocatedBytes, writeAt, truncate, PAGE_SIZE, DENSE_LIMIT, compareNames, typeBits, MAX_SYMLINKS, NAME_MAX, PATH_MAX, S_IFMT, S_IFREG, S_IFDIR, S_IFLNK } from './tree.js';
export type { VNode, FileNode, DirNode, DirSource, SymlinkNode, NodeMeta, Resolved, ResolveOptions } from './tree.js';
export { VfsError } from './errors.js';
export type { ErrnoCode } from './errors.js';
export { encodeSnapshot, decodeSnapshot, parseSnapshotIndex, digestOf, useSha256, SNAPSHOT_VERSION } from './snapshot.js';
export type { EncodedSnapshot, SnapshotEntry, SnapshotIndex, SnapshotStats, DecodeOptions } from './snapshot.js';
export { canonicalJson } from './json.js';
export { BOX_SNAPSHOT_INVALID } from './diagnostics.js';
