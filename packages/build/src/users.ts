// `--chown` / USER owner specs → numeric ids, looked up in the image's own /etc/passwd and /etc/group
// (never the host's). Docker: "a username without groupname or a UID without GID will use the same
// numeric UID as the GID".
import { BoxerError, type SourceLocation } from '@boxer/diagnostics';
import { fileContent, type Tree } from '@boxer/vfs';
import { unknownUser } from './diagnostics.js';

export function resolveOwner(tree: Tree, spec: string, loc: SourceLocation, instruction = 'COPY'): { uid: number; gid: number } {
  const [user = '', group] = spec.split(':', 2);
  const uid = resolveId(tree, '/etc/passwd', user, 2);
  if (uid === undefined) throw new BoxerError(unknownUser(spec, loc, instruction));
  if (group === undefined || group === '') {
    // A name without a group takes the user's primary group; a bare number doubles as the gid.
    const primary = /^\d+$/.test(user) ? uid : lookup(tree, '/etc/passwd', user, 3);
    return { uid, gid: primary ?? uid };
  }
  const gid = resolveId(tree, '/etc/group', group, 2);
  if (gid === undefined) throw new BoxerError(unknownUser(spec, loc, instruction));
  return { uid, gid };
}

function resolveId(tree: Tree, file: string, name: string, field: number): number | undefined {
  if (/^\d+$/.test(name)) {
    const n = Number(name);
    return n <= 0xffffffff ? n : undefined;
  }
  return lookup(tree, file, name, field);
}

function lookup(tree: Tree, file: string, name: string, field: number): number | undefined {
  const node = tree.tryGet(file);
  if (!node || node.kind !== 'file') return undefined;
  for (const line of new TextDecoder().decode(fileContent(node)).split('\n')) {
    const cols = line.split(':');
    if (cols[0] === name && cols[field] !== undefined && /^\d+$/.test(cols[field]!)) return Number(cols[field]);
  }
  return undefined;
}
