// inspect(): what a box holds — config, requested grants, limits, provenance and every file.
import { readBox, type BoxManifest } from '@boxer/bundle';
import { openBox } from './run.js';

export interface InspectedFile {
  path: string;
  type: 'file' | 'dir' | 'symlink' | 'hardlink';
  /** Octal string, e.g. "0755". */
  mode: string;
  uid: number;
  gid: number;
  size?: number;
  digest?: string;
  target?: string;
  /** The Dockerfile step that wrote it, if a step did. */
  step?: { line: number; text: string };
}

export interface InspectResult {
  file: string;
  /** Bytes of the whole box. */
  size: number;
  manifest: BoxManifest;
  files: InspectedFile[];
}

export async function inspect(box: string | Uint8Array): Promise<InspectResult> {
  const file = typeof box === 'string' ? box : 'the box';
  const bytes = typeof box === 'string' ? await openBox(box) : box;
  const opened = readBox(bytes, { file });
  // NOTE: decoding validates every entry and hashes every file against the digest it claims, so what
  // inspect shows is what a run gets.
  opened.tree({ verifyContent: true });
  const { manifest } = opened;
  const files = opened.index.entries.map((e): InspectedFile => {
    const stepIndex = manifest.provenance[e.path];
    const step = stepIndex !== undefined ? manifest.steps[stepIndex] : undefined;
    return {
      path: e.path,
      type: e.type,
      mode: `0${e.mode.toString(8).padStart(3, '0')}`,
      uid: e.uid,
      gid: e.gid,
      ...(e.type === 'file' ? { size: e.size, digest: e.digest } : {}),
      ...(e.type === 'symlink' ? { target: e.target } : {}),
      ...(e.type === 'hardlink' ? { target: e.link } : {}),
      ...(step ? { step } : {}),
    };
  });
  return { file, size: bytes.length, manifest, files };
}
