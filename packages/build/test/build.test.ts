// The stage executor against Docker's documented semantics. Each expectation cites the Dockerfile
// reference (https://docs.docker.com/reference/dockerfile/) or BuildKit's dockerfile2llb/convert.go.
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BoxerError } from '@boxer/diagnostics';
import { buildImage, DEFAULT_PATH, type BuildImageOptions } from '@boxer/build';
import { fileContent, type Tree } from '@boxer/vfs';

const root = mkdtempSync(join(tmpdir(), 'boxer-build-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let n = 0;

/** A context directory from a file map (`name/` keys make directories, `->target` values symlinks). */
function ctx(files: Record<string, string>): string {
  const dir = join(root, `ctx${n++}`);
  mkdirSync(dir);
  for (const [p, c] of Object.entries(files)) {
    const full = join(dir, p);
    mkdirSync(dirname(full), { recursive: true });
    if (p.endsWith('/')) mkdirSync(full, { recursive: true });
    else if (c.startsWith('->')) symlinkSync(c.slice(2), full);
    else writeFileSync(full, c);
  }
  return dir;
}

async function build(dockerfile: string, files: Record<string, string> = {}, extra: Partial<BuildImageOptions> = {}) {
  return buildImage({ dockerfile: { text: dockerfile, file: 'Dockerfile' }, contextDir: ctx(files), ...extra });
}

async function fails(dockerfile: string, files: Record<string, string> = {}, extra: Partial<BuildImageOptions> = {}) {
  try {
    await build(dockerfile, files, extra);
  } catch (e) {
    if (e instanceof BoxerError) return e.diagnostics.map((d) => ({ code: d.code, line: d.location?.line }));
    throw e;
  }
  throw new Error('expected the build to fail');
}

const text = (t: Tree, p: string): string => {
  const f = t.get(p);
  if (f.kind !== 'file') throw new Error(`${p} is a ${f.kind}`);
  return new TextDecoder().decode(fileContent(f));
};
const paths = (t: Tree): string[] => [...t.walk()].map(([p]) => p);

describe('COPY', () => {
  it('copies the contents of a source directory, not the directory itself', async () => {
    // Reference: "If <src> is a directory, the entire contents of the directory are copied ... The directory itself isn't copied, only its contents."
    const r = await build('FROM scratch\nCOPY dir /dest\n', { 'dir/a.txt': 'a', 'dir/sub/b.txt': 'b' });
    expect(paths(r.tree)).toEqual(['/', '/dest', '/dest/a.txt', '/dest/sub', '/dest/sub/b.txt']);
  });

  it('writes a file to <dest> without a trailing slash, into <dest>/ with one', async () => {
    // Reference: "If <dest> doesn't end with a trailing slash, it will be considered a regular file"; with a slash, <dest>/<basename>.
    const r = await build('FROM scratch\nCOPY a.txt /x\nCOPY a.txt /y/\n', { 'a.txt': 'A' });
    expect(text(r.tree, '/x')).toBe('A');
    expect(text(r.tree, '/y/a.txt')).toBe('A');
  });

  it('creates missing directories of <dest> with mode 0755', async () => {
    // Reference: "If <dest> doesn't exist, it's created, along with all missing directories in its path."
    const r = await build('FROM scratch\nCOPY a.txt /deep/er/a.txt\n', { 'a.txt': 'A' });
    expect(r.tree.get('/deep/er').mode).toBe(0o755);
  });

  it('resolves a relative <dest> against WORKDIR', async () => {
    // Reference: "COPY test.txt relativeDir/" adds test.txt to <WORKDIR>/relativeDir/.
    const r = await build('FROM scratch\nWORKDIR /app\nCOPY test.txt relativeDir/\n', { 'test.txt': 't' });
    expect(text(r.tree, '/app/relativeDir/test.txt')).toBe('t');
  });

  it('expands wildcards with Go path.Match rules', async () => {
    // Reference: "COPY hom* /mydir/" and "COPY hom?.txt /mydir/".
    const r = await build('FROM scratch\nCOPY hom* /mydir/\nCOPY hom?.txt /other/\n', { 'home.txt': '1', 'homer.txt': '2', 'hom.txt': '3', 'x.txt': '4' });
    expect(paths(r.tree).filter((p) => p.startsWith('/mydir/'))).toEqual(['/mydir/hom.txt', '/mydir/home.txt', '/mydir/homer.txt']);
    expect(paths(r.tree).filter((p) => p.startsWith('/other/'))).toEqual(['/other/home.txt']);
  });

  it('copies a wildcard that matches one file like a plain source', async () => {
    // Reference: Docker's builder counts the matches (`len(infos) > 1`) before requiring a directory.
    const r = await build('FROM scratch\nCOPY app*.jar /app.jar\n', { 'app-1.0.jar': 'jar' });
    expect(text(r.tree, '/app.jar')).toBe('jar');
    expect(await fails('FROM scratch\nCOPY app*.jar /app.jar\n', { 'app-1.jar': '1', 'app-2.jar': '2' })).toEqual([{ code: 'BUILD_COPY_DEST_NOT_DIR', line: 2 }]);
  });

  it('requires a directory <dest> ending in / for several sources', async () => {
    // Reference: "If multiple <src> resources are specified ... then <dest> must be a directory, and it must end with a slash /."
    expect(await fails('FROM scratch\nCOPY a b /dest\n', { a: '1', b: '2' })).toEqual([{ code: 'BUILD_COPY_DEST_NOT_DIR', line: 2 }]);
  });

  it('keeps source modes and applies --chmod and --chown', async () => {
    const dir = ctx({ 'run.sh': '#!/bin/sh\n' });
    const { chmodSync } = await import('node:fs');
    chmodSync(join(dir, 'run.sh'), 0o750);
    const r = await buildImage({ dockerfile: { text: 'FROM scratch\nCOPY run.sh /a\nCOPY --chmod=0644 --chown=10 run.sh /b\nCOPY --chown=10:20 run.sh /c\n', file: 'Dockerfile' }, contextDir: dir });
    expect(r.tree.get('/a').mode).toBe(0o750);
    expect(r.tree.get('/b').mode).toBe(0o644);
    // Reference: "a UID without GID will use the same numeric UID as the GID".
    expect([r.tree.get('/b').uid, r.tree.get('/b').gid]).toEqual([10, 10]);
    expect([r.tree.get('/c').uid, r.tree.get('/c').gid]).toEqual([10, 20]);
  });

  it('fails on user names when the image has no /etc/passwd', async () => {
    // Reference: "If the container root filesystem doesn't contain either /etc/passwd or /etc/group files and either user or group names are used in the --chown flag, the build will fail".
    expect(await fails('FROM scratch\nCOPY --chown=bin a /a\n', { a: '1' })).toEqual([{ code: 'BUILD_UNKNOWN_USER', line: 2 }]);
  });

  it('resolves user names from the image\'s own /etc/passwd', async () => {
    const r = await build('FROM scratch\nCOPY passwd /etc/passwd\nCOPY group /etc/group\nCOPY --chown=app a /a\nCOPY --chown=app:staff a /b\n', {
      passwd: 'root:x:0:0:root:/root:/bin/sh\napp:x:1000:1001::/home/app:/bin/sh\n',
      group: 'root:x:0:\nstaff:x:50:\n',
      a: '1',
    });
    expect([r.tree.get('/a').uid, r.tree.get('/a').gid]).toEqual([1000, 1001]);
    expect([r.tree.get('/b').uid, r.tree.get('/b').gid]).toEqual([1000, 50]);
  });

  it('copies symlinks inside a directory as symlinks, and follows a top-level source link only inside the context', async () => {
    const r = await build('FROM scratch\nCOPY dir/ /d/\nCOPY link /l\n', { 'dir/a': 'A', 'dir/hostlink': '->/etc/hostname', 'target.txt': 'T', link: '->target.txt' });
    expect(r.tree.resolve('/d/hostlink', { follow: false }).node).toMatchObject({ kind: 'symlink', target: '/etc/hostname' });
    expect(text(r.tree, '/l')).toBe('T');
    // A top-level source symlink pointing out of the context resolves inside it: /etc/hostname is not in the context.
    expect(await fails('FROM scratch\nCOPY out /x\n', { out: '->/etc/hostname' })).toEqual([{ code: 'BUILD_COPY_SOURCE_NOT_FOUND', line: 2 }]);
  });

  it('refuses to copy a directory through a symlink planted at the destination, as BuildKit does', async () => {
    // see: review finding M6; BuildKit fsutil copyDirectoryOnly: "cannot copy to non-directory".
    const r = await fails('FROM scratch\nCOPY etc /etc\nCOPY d1 /dest\nCOPY d2 /dest\n', { 'etc/passwd': 'root', 'd1/sub': '->/etc/passwd', 'd2/sub/x': 'x' });
    expect(r).toEqual([{ code: 'BUILD_COPY_CONFLICT', line: 4 }]);
  });

  it('gives an existing directory the metadata of the directory copied onto it', async () => {
    const dir = ctx({ 'a/lib/1': '1', 'b/lib/2': '2' });
    const { chmodSync } = await import('node:fs');
    chmodSync(join(dir, 'a/lib'), 0o700);
    chmodSync(join(dir, 'b/lib'), 0o755);
    const r = await buildImage({ dockerfile: { text: 'FROM scratch\nCOPY a /app\nCOPY --chown=5:5 b /app\n', file: 'Dockerfile' }, contextDir: dir });
    const lib = r.tree.get('/app/lib');
    expect([lib.mode, lib.uid, lib.gid]).toEqual([0o755, 5, 5]);
  });

  it('keeps `..` in sources inside the context', async () => {
    const r = await build('FROM scratch\nCOPY ../../a.txt /a\n', { 'a.txt': 'A' });
    expect(text(r.tree, '/a')).toBe('A');
  });

  it('honours .dockerignore, including ! re-includes', async () => {
    // Reference (.dockerignore docs): "*.md" then "!README.md" excludes all markdown files except README.md.
    const r = await build('FROM scratch\nCOPY . /src/\n', { 'a.md': 'x', 'README.md': 'r', 'keep.txt': 'k', 'tmp/x': 'x' }, { ignorePatterns: ['*.md', '!README.md', 'tmp'] });
    expect(paths(r.tree).filter((p) => p.startsWith('/src/'))).toEqual(['/src/README.md', '/src/keep.txt']);
    const ignored = await fails('FROM scratch\nCOPY a.md /a\n', { 'a.md': 'x' }, { ignorePatterns: ['*.md'] });
    expect(ignored).toEqual([{ code: 'BUILD_COPY_SOURCE_NOT_FOUND', line: 2 }]);
  });

  it('follows Docker\'s .dockerignore rules: ** at any depth, later lines win', async () => {
    // Reference (.dockerignore): "**/*.go" excludes .go files in all directories; "the last line that
    // matches a file determines whether it is included or excluded".
    const r = await build('FROM scratch\nCOPY . /c/\n', { 'a.go': '1', 'x/y/b.go': '2', 'x/keep.txt': 'k', 'x/y/z/main.go': '3' }, { ignorePatterns: ['**/*.go', '!x/y/z/main.go'] });
    expect(paths(r.tree).filter((p) => p.startsWith('/c/'))).toEqual(['/c/x', '/c/x/keep.txt', '/c/x/y', '/c/x/y/z', '/c/x/y/z/main.go']);
    const flipped = await build('FROM scratch\nCOPY . /c/\n', { 'a.go': '1', 'b.txt': '2' }, { ignorePatterns: ['!a.go', '*.go'] });
    expect(paths(flipped.tree).filter((p) => p.startsWith('/c/'))).toEqual(['/c/b.txt']);
  });

  it('prefers <Dockerfile>.dockerignore beside the Dockerfile over the context\'s .dockerignore', async () => {
    // Reference (.dockerignore): "the build client looks for a file named <Dockerfile-name>.dockerignore" first.
    const { readIgnoreFile } = await import('@boxer/build');
    const dir = ctx({ '.dockerignore': '*.txt\n', 'build/app.Dockerfile': 'FROM scratch\n', 'build/app.Dockerfile.dockerignore': '# only logs\n*.log\n' });
    expect(readIgnoreFile(dir, join(dir, 'build/app.Dockerfile'))).toEqual(['*.log']);
    expect(readIgnoreFile(dir)).toEqual(['*.txt']);
  });

  it('stamps every created file with SOURCE_DATE_EPOCH', async () => {
    const r = await build('FROM scratch\nCOPY a /a\nWORKDIR /w\n', { a: '1' }, { sourceDateEpoch: 1_700_000_000 });
    expect(r.tree.get('/a').mtime).toBe(1_700_000_000n * 1_000_000_000n);
    expect(r.tree.get('/w').mtime).toBe(1_700_000_000n * 1_000_000_000n);
  });
});

describe('metadata instructions', () => {
  it('always sets PATH (BuildKit dispatchStages: "make sure that PATH is always set")', async () => {
    const r = await build('FROM scratch\nENV A=1\n');
    expect(r.config.Env).toEqual([`PATH=${DEFAULT_PATH}`, 'A=1']);
  });

  it('reports a WORKDIR through a file at its line (not as a boxer bug)', async () => {
    expect(await fails('FROM scratch\nCOPY f /x\nWORKDIR /x/y\n', { f: 'f' })).toEqual([{ code: 'BUILD_COPY_CONFLICT', line: 3 }]);
    expect(await fails(`FROM scratch\nWORKDIR /${'d/'.repeat(3000)}\n`)).toEqual([{ code: 'BUILD_COPY_CONFLICT', line: 2 }]);
  });

  it('keeps keys such as __proto__ in LABEL, EXPOSE and VOLUME', async () => {
    const r = await build('FROM scratch\nLABEL __proto__=evil ok=1\nVOLUME __proto__\n');
    expect(Object.keys(r.config.Labels!)).toEqual(['__proto__', 'ok']);
    expect(Object.getPrototypeOf(r.config.Labels)).toBe(Object.prototype);
    expect(Object.keys(r.config.Volumes!)).toEqual(['__proto__']);
  });

  it('chains relative WORKDIRs', async () => {
    // Reference: "WORKDIR /a, WORKDIR b, WORKDIR c, RUN pwd" prints /a/b/c.
    const r = await build('FROM scratch\nWORKDIR /a\nWORKDIR b\nWORKDIR c\n');
    expect(r.config.WorkingDir).toBe('/a/b/c');
    expect(r.tree.get('/a/b/c').kind).toBe('dir');
  });

  it('resets an inherited CMD when ENTRYPOINT is set', async () => {
    // Reference: "If CMD is defined from the base image, setting ENTRYPOINT will reset CMD to an empty value."
    const r = await build('FROM scratch AS base\nCMD ["x"]\nFROM base\nENTRYPOINT ["/e"]\n');
    expect(r.config.Entrypoint).toEqual(['/e']);
    expect(r.config.Cmd).toBeUndefined();
    const kept = await build('FROM scratch\nENTRYPOINT ["/e"]\nCMD ["x"]\n');
    expect(kept.config.Cmd).toEqual(['x']);
  });

  it('wraps shell forms in the default shell, or in SHELL', async () => {
    // Reference: the shell form runs in "/bin/sh -c" by default; SHELL changes it.
    const r = await build('FROM scratch\nCMD echo hi\n');
    expect(r.config.Cmd).toEqual(['/bin/sh', '-c', 'echo hi']);
    const s = await build('FROM scratch\nSHELL ["/bin/bash", "-eo", "pipefail", "-c"]\nENTRYPOINT exec app\n');
    expect(s.config.Entrypoint).toEqual(['/bin/bash', '-eo', 'pipefail', '-c', 'exec app']);
  });

  it('records EXPOSE with tcp as the default protocol, VOLUME, LABEL, USER, STOPSIGNAL', async () => {
    const r = await build('FROM scratch\nEXPOSE 80 53/udp 8000-8001\nVOLUME /data\nVOLUME ["/logs", "/x y"]\nLABEL a=b "c d"="e f"\nUSER 1000:1000\nSTOPSIGNAL SIGINT\n');
    expect(Object.keys(r.config.ExposedPorts ?? {}).sort()).toEqual(['53/udp', '80/tcp', '8000/tcp', '8001/tcp']);
    expect(r.config.Labels).toEqual({ a: 'b', 'c d': 'e f' });
    expect(r.config.User).toBe('1000:1000');
    expect(r.config.StopSignal).toBe('SIGINT');
    expect(Object.keys(r.config.Volumes ?? {}).sort()).toEqual(['/data', '/logs', '/x y']);
  });
});

describe('ARG and --build-arg', () => {
  it('uses the build arg over the default, through ${VAR:-default}', async () => {
    // Reference: ARG CONT_IMG_VER / ENV CONT_IMG_VER=${CONT_IMG_VER:-v1.0.0}.
    const df = 'FROM scratch\nARG CONT_IMG_VER\nENV CONT_IMG_VER=${CONT_IMG_VER:-v1.0.0}\n';
    expect((await build(df, {}, { buildArgs: { CONT_IMG_VER: 'v2.0.1' } })).config.Env).toContain('CONT_IMG_VER=v2.0.1');
    expect((await build(df)).config.Env).toContain('CONT_IMG_VER=v1.0.0');
  });

  it('lets ENV win over an ARG of the same name', async () => {
    // Reference: "Environment variables defined using the ENV instruction always override an ARG instruction of the same name."
    const r = await build('FROM scratch\nARG V\nENV V=v1.0.0\nLABEL v=$V\n', {}, { buildArgs: { V: 'v2.0.1' } });
    expect(r.config.Labels).toEqual({ v: 'v1.0.0' });
  });

  it('scopes an ARG before FROM to FROM lines unless redeclared', async () => {
    // Reference: "An ARG declared before a FROM is outside of a build stage ... use an ARG instruction without a value inside of a build stage".
    const r = await build('ARG NAME=global\nFROM scratch\nLABEL before=x$NAME\nARG NAME\nLABEL after=$NAME\n');
    expect(r.config.Labels).toEqual({ before: 'x', after: 'global' });
  });

  it('predefines the platform ARGs in the global scope (wasi/wasm as the target)', async () => {
    // Reference ("Automatic platform ARGs in the global scope"): usable in FROM, and inside a stage
    // only after "ARG TARGETOS" without a value.
    const r = await build('FROM scratch\nLABEL before=x$TARGETOS\nARG TARGETOS\nARG TARGETARCH\nARG TARGETPLATFORM\nARG BUILDPLATFORM\nLABEL os=$TARGETOS arch=$TARGETARCH platform=$TARGETPLATFORM build=$BUILDPLATFORM\n');
    expect(r.config.Labels).toMatchObject({ before: 'x', os: 'wasi', arch: 'wasm', platform: 'wasi/wasm' });
    expect(r.config.Labels!.build).toMatch(/^linux\/(amd64|arm64)/);
  });

  it('accepts the predefined proxy ARGs as build args without a warning', async () => {
    // Reference ("Predefined ARGs"): HTTP_PROXY and friends need no ARG instruction.
    const r = await build('FROM scratch\n', {}, { buildArgs: { HTTP_PROXY: 'http://127.0.0.1:3128', no_proxy: 'localhost' } });
    expect(r.warnings).toEqual([]);
  });

  it('expands FROM with global ARGs and warns about unused build args', async () => {
    const r = await build('ARG BASE=scratch\nFROM ${BASE}\n', {}, { buildArgs: { UNUSED: '1' } });
    expect(r.bases).toEqual([{ stage: '0', ref: 'scratch' }]);
    expect(r.warnings.map((w) => w.code)).toContain('BUILD_UNUSED_BUILD_ARG');
  });
});

describe('ADD of local archives', () => {
  it('unpacks tar, tar.gz, tar.bz2 and tar.xz (by content, not name) and copies other files as they are', async () => {
    // Reference (ADD): "If <src> is a local tar archive in a recognized compression format (identity,
    // gzip, bzip2 or xz) then it is unpacked as a directory"; "Resources from remote URLs are not decompressed".
    const { execFileSync } = await import('node:child_process');
    const dir = ctx({ 'payload/app/run.sh': '#!/bin/sh\n', 'payload/app/data.txt': 'data\n', 'plain.gz': '' });
    execFileSync('sh', ['-c', `cd ${dir} && printf 'not a tar' | gzip > plain.gz && tar -cf a.tar -C payload app && tar -czf b.tgz -C payload app && tar -cjf c.bin -C payload app && tar -cJf d.tar.xz -C payload app`]);
    const r = await buildImage({ dockerfile: { text: 'FROM scratch\nADD a.tar /t/\nADD b.tgz /g\nADD c.bin d.tar.xz /multi/\nADD plain.gz /plain.gz\n', file: 'Dockerfile' }, contextDir: dir });
    for (const root of ['/t', '/g', '/multi']) {
      expect(text(r.tree, `${root}/app/data.txt`)).toBe('data\n');
      expect(r.tree.get(`${root}/app/run.sh`).kind).toBe('file');
    }
    // A gzip file that is not a tar is copied, still compressed.
    const gz = r.tree.get('/plain.gz');
    expect(gz.kind === 'file' && [...fileContent(gz).subarray(0, 2)]).toEqual([0x1f, 0x8b]);
    expect(r.tree.tryGet('/multi/c.bin')).toBeUndefined();
  });

  it('refuses a hostile archive at the ADD line', async () => {
    const { execFileSync } = await import('node:child_process');
    const dir = ctx({});
    execFileSync('python3', ['-c', `import tarfile,io\nt=tarfile.open('${dir}/evil.tar','w')\nti=tarfile.TarInfo('../../etc/x');ti.size=1\nt.addfile(ti,io.BytesIO(b'x'))\nt.close()`]);
    await expect(buildImage({ dockerfile: { text: 'FROM scratch\nADD evil.tar /x/\n', file: 'Dockerfile' }, contextDir: dir })).rejects.toMatchObject({ diagnostic: { code: 'LAYERS_PATH_ESCAPE', location: { line: 2 } } });
  });
});

describe('ADD of URLs', () => {
  it('downloads only with --allow-net for that host, verifies --checksum, never unpacks', async () => {
    const { createServer } = await import('node:http');
    const { execFileSync } = await import('node:child_process');
    const { createHash } = await import('node:crypto');
    const tgz = execFileSync('sh', ['-c', 'd=$(mktemp -d) && echo x > $d/f && tar -czf - -C $d f && rm -r $d']);
    const requests: string[] = [];
    const server = createServer((req, res) => {
      requests.push(req.url ?? '');
      if (req.url === '/files/app.tar.gz') {
        res.writeHead(200, { 'last-modified': 'Tue, 14 Nov 2023 22:13:20 GMT' });
        res.end(tgz);
      } else if (req.url === '/moved') {
        res.writeHead(302, { location: 'http://elsewhere.invalid/x' });
        res.end();
      } else {
        res.writeHead(404);
        res.end();
      }
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as import('node:net').AddressInfo).port;
    const base = `http://127.0.0.1:${port}`;
    try {
      const sha = `sha256:${createHash('sha256').update(tgz).digest('hex')}`;
      const r = await build(`FROM scratch\nADD --checksum=${sha} ${base}/files/app.tar.gz /dl/\nADD ${base}/files/app.tar.gz /named.tgz\n`, {}, { allowNet: [`127.0.0.1:${port}`] });
      // Reference (ADD): a URL's file keeps its name under a directory destination, gets mode 0600 and
      // the Last-Modified time, and "Resources from remote URLs are not decompressed".
      const f = r.tree.get('/dl/app.tar.gz');
      expect(f.mode).toBe(0o600);
      expect(f.mtime).toBe(1_700_000_000n * 1_000_000_000n);
      expect(f.kind === 'file' && Buffer.compare(Buffer.from(fileContent(f)), tgz)).toBe(0);
      expect(r.tree.get('/named.tgz').kind).toBe('file');
      const before = requests.length;
      // No grant, a grant for another port, a wrong checksum, a 404, a redirect: each refused at line 2.
      expect(await fails(`FROM scratch\nADD ${base}/files/app.tar.gz /x\n`)).toEqual([{ code: 'BUILD_NET_DENIED', line: 2 }]);
      expect(await fails(`FROM scratch\nADD ${base}/files/app.tar.gz /x\n`, {}, { allowNet: ['127.0.0.1:1'] })).toEqual([{ code: 'BUILD_NET_DENIED', line: 2 }]);
      expect(requests.length).toBe(before);
      expect(await fails(`FROM scratch\nADD --checksum=sha256:${'0'.repeat(64)} ${base}/files/app.tar.gz /x\n`, {}, { allowNet: true })).toEqual([{ code: 'BUILD_CHECKSUM_MISMATCH', line: 2 }]);
      expect(await fails(`FROM scratch\nADD ${base}/nope /x\n`, {}, { allowNet: true })).toEqual([{ code: 'BUILD_FETCH_FAILED', line: 2 }]);
      expect(await fails(`FROM scratch\nADD ${base}/moved /x\n`, {}, { allowNet: true })).toEqual([{ code: 'BUILD_FETCH_FAILED', line: 2 }]);
    } finally {
      server.close();
    }
  });

  it('refuses git sources with a diagnostic naming the line', async () => {
    expect(await fails('FROM scratch\nADD https://github.com/moby/buildkit.git#v0.10.1 /src\nADD git@github.com:moby/buildkit.git /src2\n')).toEqual([
      { code: 'BUILD_UNSUPPORTED_INSTRUCTION', line: 2 },
      { code: 'BUILD_UNSUPPORTED_INSTRUCTION', line: 3 },
    ]);
  });
});

describe('the build context', () => {
  it('leaves out FIFOs with a warning', async () => {
    const dir = ctx({ 'a.txt': 'a' });
    const { execFileSync } = await import('node:child_process');
    execFileSync('mkfifo', [join(dir, 'pipe')]);
    const r = await buildImage({ dockerfile: { text: 'FROM scratch\nCOPY . /c/\n', file: 'Dockerfile' }, contextDir: dir });
    expect(paths(r.tree)).toEqual(['/', '/c', '/c/a.txt']);
    expect(r.warnings.map((w) => w.code)).toEqual(['BUILD_CONTEXT_SPECIAL_FILE']);
  });

  it('is checked before any step, even without COPY', async () => {
    await expect(buildImage({ dockerfile: { text: 'FROM scratch\nENV A=1\n', file: 'Dockerfile' }, contextDir: join(root, 'missing') })).rejects.toMatchObject({ diagnostic: { code: 'BUILD_CONTEXT_NOT_FOUND' } });
  });

  it('runs the build checks: warnings by default, a failure with # check=error=true', async () => {
    // Reference (Build checks): "docker build" reports check warnings; "#check=error=true" makes them fail the build.
    const ok = await build('FROM scratch\nCMD echo hi\n');
    expect(ok.warnings.map((w) => [w.code, w.location?.line])).toEqual([['DOCKERFILE_JSON_ARGS_RECOMMENDED', 2]]);
    const failed = await fails('# check=error=true\nFROM scratch\nCMD echo hi\n');
    expect(failed.map((x) => x.code)).toContain('DOCKERFILE_CHECK_FAILED');
    expect(await build('# check=skip=JSONArgsRecommended\nFROM scratch\nCMD echo hi\n').then((r) => r.warnings)).toEqual([]);
  });

  it('reports warnings together with the errors of a failed build', async () => {
    expect(await fails('FROM scratch\nMAINTAINER someone\nRUN make\n')).toEqual([
      { code: 'BUILD_UNSUPPORTED_INSTRUCTION', line: 3 },
      { code: 'DOCKERFILE_MAINTAINER_DEPRECATED', line: 2 },
    ]);
  });
});

describe('stages and unsupported input', () => {
  it('builds only the target stage and what it needs', async () => {
    const r = await build('FROM scratch AS a\nCOPY a /a\nFROM scratch AS b\nCOPY b /b\n', { a: '1', b: '2' }, { target: 'a' });
    expect(paths(r.tree)).toEqual(['/', '/a']);
    expect((await fails('FROM scratch AS a\n', {}, { target: 'nope' }))[0]!.code).toBe('BUILD_TARGET_NOT_FOUND');
  });

  it('reports every unsupported instruction of the file at once, each at its line', async () => {
    const df = 'FROM scratch\nRUN make\nCOPY <<EOF a.txt /d/\nx\nEOF\nHEALTHCHECK CMD true\nADD ftp://example.com/x /x\n';
    expect(await fails(df, { 'a.txt': 'a' })).toEqual([
      { code: 'BUILD_UNSUPPORTED_INSTRUCTION', line: 2 },
      { code: 'BUILD_UNSUPPORTED_FLAG', line: 3 },
      { code: 'BUILD_UNSUPPORTED_INSTRUCTION', line: 6 },
      { code: 'BUILD_UNSUPPORTED_INSTRUCTION', line: 7 },
    ]);
  });

  it('reports an unreachable registry at the FROM or COPY --from line (127.0.0.1 only: tests never leave it)', async () => {
    const images = { cacheDir: join(root, 'cache') };
    // Port 1 on 127.0.0.1 refuses connections: the pull fails after its retries.
    expect(await fails('FROM 127.0.0.1:1/app:v1\n', {}, { images })).toEqual([{ code: 'REGISTRY_REQUEST_FAILED', line: 1 }]);
    expect(await fails('FROM scratch\nCOPY --from=127.0.0.1:1/app:v1 /etc/hosts /hosts\n', {}, { images })).toEqual([{ code: 'REGISTRY_REQUEST_FAILED', line: 2 }]);
  });

  it('writes COPY heredocs as files named after their delimiter, expanded unless quoted', async () => {
    // Reference (COPY heredocs): "COPY <<EOF /dest" creates the file from the inline document.
    const r = await build('FROM scratch\nENV WHO=box\nCOPY <<greeting.txt <<"raw.txt" /etc/\nhello $WHO\ngreeting.txt\nkeep $WHO\nraw.txt\n');
    expect(text(r.tree, '/etc/greeting.txt')).toBe('hello box\n');
    expect(text(r.tree, '/etc/raw.txt')).toBe('keep $WHO\n');
    expect(r.tree.get('/etc/greeting.txt').mode).toBe(0o644);
  });
});
