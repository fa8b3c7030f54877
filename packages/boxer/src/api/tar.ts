// A deterministic tar (ustar via tar-stream): fixed mtime 0, owner 0:0, mode 0644, entries in the
// order given. Used for `-o type=oci,dest=FILE.tar`.
import tar from 'tar-stream';

export async function writeTar(files: readonly [name: string, bytes: Uint8Array][]): Promise<Uint8Array> {
  const pack = tar.pack();
  const chunks: Uint8Array[] = [];
  const done = new Promise<void>((resolve, reject) => {
    pack.on('data', (c: unknown) => void chunks.push(c as Uint8Array));
    pack.on('end', () => resolve());
    pack.on('error', reject);
  });
  const dirs = new Set<string>();
  for (const [name] of files) {
    const parts = name.split('/');
    for (let i = 1; i < parts.length; i++) dirs.add(`${parts.slice(0, i).join('/')}/`);
  }
  const header = { mtime: new Date(0), uid: 0, gid: 0, uname: '', gname: '' };
  for (const dir of [...dirs].sort()) pack.entry({ ...header, name: dir, type: 'directory', mode: 0o755 });
  for (const [name, bytes] of files) pack.entry({ ...header, name, mode: 0o644, size: bytes.length }, Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  pack.finalize();
  await done;
  return Buffer.concat(chunks);
}
