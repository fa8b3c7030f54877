// Child process for no-host-writes.test.ts: flattens every case in CASES_DIR (one directory per case,
// holding its layers as 0.tar, 1.tar, …) and reads the fixture image from its three forms, then
// prints the outcome of each as JSON. Run under strace by the test; it must write nothing on the host.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { flatten } from '@boxer/layers';
import { readDockerArchive, readOciArchive, readOciLayout } from '@boxer/image';

const [casesDir, imageDir] = process.argv.slice(2);
const out = {};
async function outcome(fn) {
  try {
    const r = await fn();
    return `ok ${r.layers}`;
  } catch (e) {
    return e?.diagnostic?.code ?? `thrown ${e}`;
  }
}
for (const name of readdirSync(casesDir).sort()) {
  const files = readdirSync(join(casesDir, name)).sort((a, b) => parseInt(a) - parseInt(b));
  out[name] = await outcome(() => flatten(files.map((f) => ({ open: () => new Uint8Array(readFileSync(join(casesDir, name, f))) })), { limits: { maxEntries: 100_000 } }));
}
out.layout = await outcome(async () => flatten((await readOciLayout(join(imageDir, 'oci'))).layers));
out.ociArchive = await outcome(async () => flatten((await readOciArchive(join(imageDir, 'oci-archive.tar'))).layers));
out.dockerArchive = await outcome(async () => flatten((await readDockerArchive(join(imageDir, 'docker-archive.tar'))).layers));
process.stdout.write(JSON.stringify(out));
