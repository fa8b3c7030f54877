// loadDockerCredentials over config.json files shaped as `docker login` writes them.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BoxerError } from '@boxer/diagnostics';
import { loadDockerCredentials } from '@boxer/registry';

const tmp = mkdtempSync(join(tmpdir(), 'boxer-creds-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
let n = 0;
function config(json: unknown): string {
  const p = join(tmp, `config-${n++}.json`);
  writeFileSync(p, typeof json === 'string' ? json : JSON.stringify(json));
  return p;
}
function codeOf(f: () => unknown): string | undefined {
  try {
    f();
  } catch (e) {
    return (e as BoxerError).diagnostic?.code;
  }
  return undefined;
}

describe('loadDockerCredentials', () => {
  it('reads base64 `auth` and username/password entries; Hub keys match docker.io', async () => {
    const lookup = await loadDockerCredentials(
      config({
        auths: {
          'https://index.docker.io/v1/': { auth: Buffer.from('hubuser:hub:pass').toString('base64') },
          '127.0.0.1:5000': { username: 'u', password: 'p' },
          'https://ghcr.io': { auth: Buffer.from('g:h').toString('base64') },
        },
      }),
    );
    expect(lookup('docker.io')).toEqual({ username: 'hubuser', password: 'hub:pass' });
    expect(lookup('127.0.0.1:5000')).toEqual({ username: 'u', password: 'p' });
    expect(lookup('ghcr.io')).toEqual({ username: 'g', password: 'h' });
    expect(lookup('quay.io')).toBeUndefined();
  });

  it('a missing file knows nobody; a broken one is REGISTRY_BAD_CREDENTIALS_FILE', async () => {
    expect((await loadDockerCredentials(join(tmp, 'absent.json')))('docker.io')).toBeUndefined();
    await expect(loadDockerCredentials(config('{not json'))).rejects.toSatisfy((e) => (e as BoxerError).diagnostic.code === 'REGISTRY_BAD_CREDENTIALS_FILE');
    await expect(loadDockerCredentials(config({ auths: { x: { auth: Buffer.from('nocolon').toString('base64') } } }))).rejects.toBeInstanceOf(BoxerError);
  });

  it('credHelpers and credsStore logins are REGISTRY_CREDENTIAL_HELPER_UNSUPPORTED for that host only', async () => {
    const lookup = await loadDockerCredentials(config({ auths: { 'ghcr.io': {}, 'quay.io': { auth: Buffer.from('q:r').toString('base64') } }, credsStore: 'desktop', credHelpers: { 'gcr.io': 'gcloud' } }));
    expect(codeOf(() => lookup('gcr.io'))).toBe('REGISTRY_CREDENTIAL_HELPER_UNSUPPORTED');
    expect(codeOf(() => lookup('ghcr.io'))).toBe('REGISTRY_CREDENTIAL_HELPER_UNSUPPORTED');
    let message = '';
    try {
      lookup('gcr.io');
    } catch (e) {
      message = (e as BoxerError).message;
    }
    expect(message).toContain('docker-credential-gcloud');
    expect(lookup('quay.io')).toEqual({ username: 'q', password: 'r' });
    expect(lookup('127.0.0.1:5000')).toBeUndefined();
  });
});
