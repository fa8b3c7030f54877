/// <reference types="node" />
// OCI image layouts (image-spec image-layout.md) as a FROM source: a directory (`oci:` in skopeo's
// words) or a tar of one (`oci-archive:`). In: the directory, or the archive's bytes or path, and an
// optional tag or manifest digest. Out: a LocalImage (config + digest-verified layers for flatten()).
import { readFile } from 'node:fs/promises';
import { BoxerError } from '@boxer/diagnostics';
import { extractTar } from '@boxer/layers';
import { Tree } from '@boxer/vfs';
import * as d from './local-diagnostics.js';
import { directoryStore, readLayout, treeStore, type LocalImage, type LocalImageOptions } from './local-image.js';

/** Limits for unpacking an image archive in memory (blobs are kept whole). */
const ARCHIVE_LIMITS = { maxEntries: 100_000 } as const;

/**
 * Reads image `ref` (tag or `sha256:` manifest digest; default the only/first manifest) from the OCI
 * layout directory `dir`. Nothing below `dir` is followed through a symlink.
 */
export async function readOciLayout(dir: string, ref?: string, options: LocalImageOptions = {}): Promise<LocalImage> {
  return readLayout(directoryStore(dir), ref, options);
}

/** Reads image `ref` from a tar of an OCI layout (`skopeo copy … oci-archive:x.tar`). */
export async function readOciArchive(tarBytesOrPath: Uint8Array | string, ref?: string, options: LocalImageOptions = {}): Promise<LocalImage> {
  const { tree, name } = await unpackArchive(tarBytesOrPath, 'oci-archive');
  return readLayout(treeStore(tree, name), ref, options);
}

/** Unpacks an image archive into a Tree (in memory, with extractTar's protections). @internal */
export async function unpackArchive(tarBytesOrPath: Uint8Array | string, kind: string): Promise<{ tree: Tree; name: string }> {
  const name = typeof tarBytesOrPath === 'string' ? `${kind} ${tarBytesOrPath}` : kind;
  let bytes: Uint8Array;
  if (typeof tarBytesOrPath === 'string') {
    try {
      bytes = new Uint8Array(await readFile(tarBytesOrPath));
    } catch (e) {
      throw new BoxerError(d.badLayout(name, (e as Error).message));
    }
  } else bytes = tarBytesOrPath;
  const tree = new Tree();
  await extractTar(tree, bytes, { name, limits: ARCHIVE_LIMITS });
  return { tree, name };
}
