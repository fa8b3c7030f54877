// Two validity checks the build checks need without any I/O. In: a string. Out: whether it is an image
// reference that distribution/reference.ParseNormalizedNamed accepts (InvalidDefaultArgInFrom), and the
// os/arch that containerd platforms.Parse reads from a platform specifier (FromPlatformFlagConstDisallowed).

// distribution/reference regexp.go, spelled out.
const ALNUM = '[a-z0-9]+';
const SEPARATOR = '(?:[._]|__|[-]+)';
const PATH_COMPONENT = `${ALNUM}(?:${SEPARATOR}${ALNUM})*`;
const DOMAIN_COMPONENT = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const HOST = `(?:${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*|\\[(?:[a-fA-F0-9:]+)\\])`;
const DOMAIN = `${HOST}(?::[0-9]+)?`;
const NAME = `(?:${DOMAIN}/)?${PATH_COMPONENT}(?:/${PATH_COMPONENT})*`;
const TAG = '[\\w][\\w.-]{0,127}';
const DIGEST = '[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*[:][0-9a-fA-F]{32,}';
const REFERENCE = new RegExp(`^(${NAME})(?::(${TAG}))?(?:@(${DIGEST}))?$`);
const IDENTIFIER = /^[a-f0-9]{64}$/;
const DIGEST_HEX: Record<string, number> = { sha256: 64, sha384: 96, sha512: 128 };

/** True when reference.ParseNormalizedNamed(s) succeeds (docker.io/library normalization included). */
export function isValidImageReference(s: string): boolean {
  if (s === '' || IDENTIFIER.test(s)) return false;
  // boxer's local image sources (FROM oci-layout://PATH[:TAG], oci-archive://…, docker-archive://…).
  if (/^(oci-layout|oci-archive|docker-archive):\/\/./.test(s)) return true;
  // splitDockerDomain: the first component is a registry only if it has "." or ":" or is localhost.
  const slash = s.indexOf('/');
  let domain = 'docker.io';
  let remainder = s;
  if (slash >= 0) {
    const first = s.slice(0, slash);
    if (/[.:]/.test(first) || first === 'localhost' || first.toLowerCase() !== first) {
      domain = first;
      remainder = s.slice(slash + 1);
    }
  }
  if (domain === 'docker.io' && !remainder.includes('/')) remainder = `library/${remainder}`;
  const nameEnd = remainder.search(/[:@]/);
  const repo = nameEnd < 0 ? remainder : remainder.slice(0, nameEnd);
  if (repo.toLowerCase() !== repo) return false;
  const full = `${domain}/${remainder}`;
  const m = REFERENCE.exec(full);
  if (!m) return false;
  if (m[1]!.length > 255) return false;
  if (m[3] !== undefined) {
    const [alg, hex] = m[3].split(':') as [string, string];
    if (DIGEST_HEX[alg] !== hex.length || !/^[a-f0-9]+$/.test(hex)) return false;
  }
  return true;
}

const KNOWN_OS = new Set(['aix', 'android', 'darwin', 'dragonfly', 'freebsd', 'hurd', 'illumos', 'ios', 'js', 'linux', 'nacl', 'netbsd', 'openbsd', 'plan9', 'solaris', 'wasip1', 'windows', 'zos']);
const KNOWN_ARCH = new Set(['386', 'amd64', 'amd64p32', 'arm', 'armbe', 'arm64', 'arm64be', 'loong64', 'mips', 'mipsle', 'mips64', 'mips64le', 'mips64p32', 'mips64p32le', 'ppc', 'ppc64', 'ppc64le', 'riscv', 'riscv64', 's390', 's390x', 'sparc', 'sparc64', 'wasm']);

function normalizeArch(arch: string): string {
  const a = arch.toLowerCase();
  if (a === 'i386') return '386';
  if (a === 'x86_64' || a === 'x86-64') return 'amd64';
  if (a === 'aarch64') return 'arm64';
  if (a === 'armhf' || a === 'armel') return 'arm';
  return a;
}

/** containerd platforms.Parse, reduced to os and architecture; undefined where it returns an error. */
export function parsePlatform(spec: string): { os: string; arch: string } | undefined {
  if (spec.includes('*')) return undefined;
  const parts = spec.split('/');
  if (parts.length > 3) return undefined;
  const os0 = parts[0]!.replace(/\([^)]*\)$/, '');
  for (const part of [os0, ...parts.slice(1)]) if (!/^[A-Za-z0-9_.-]+$/.test(part)) return undefined;
  const normalizeOS = (o: string) => (o.toLowerCase() === 'macos' ? 'darwin' : o.toLowerCase());
  if (parts.length === 1) {
    const os = normalizeOS(os0);
    // NOTE: the missing half is the runtime's GOOS/GOARCH in containerd; the check only needs a name.
    if (KNOWN_OS.has(os)) return { os, arch: 'amd64' };
    const arch = normalizeArch(os0);
    if (KNOWN_ARCH.has(arch)) return { os: 'linux', arch };
    return undefined;
  }
  return { os: normalizeOS(os0), arch: normalizeArch(parts[1]!) };
}
