// parseReference against distribution/reference, the code `docker pull` normalizes names with.
// Expected values are taken from its tests (not from our output):
//   normalize_test.go  TestValidateReferenceName, TestValidateRemoteName, TestParseRepositoryInfo,
//                      TestParseReferenceWithTagAndDigest, TestParseAnyReference, TestNormalizedSplitHostname
//   reference_test.go  TestReferenceParse (its inputs run through ParseNormalizedNamed here)
// read from github.com/distribution/reference (commit 4894124 of normalize_test.go, 4ca1403 of normalize.go).
import { describe, expect, it } from 'vitest';
import { BoxerError } from '@boxer/diagnostics';
import { familiarString, parseReference } from '@boxer/registry';

const F64 = 'f'.repeat(64);
const REDIS_DIGEST = 'sha256:dbcc1c35ac38df41fd2f5e4130b32ffdb93ebae8b3dbe638c23575912276fc9c';

/** input → [domain, path, tag?, digest?] (tag `latest` added as TagNameOnly does). */
const VALID: [string, string, string, string | undefined, string | undefined][] = [
  // TestParseRepositoryInfo (FullName / Domain / RemoteName), familiar, full and ambiguous forms
  ['fooo/bar', 'docker.io', 'fooo/bar', 'latest', undefined],
  ['docker.io/fooo/bar', 'docker.io', 'fooo/bar', 'latest', undefined],
  ['index.docker.io/fooo/bar', 'docker.io', 'fooo/bar', 'latest', undefined],
  ['ubuntu', 'docker.io', 'library/ubuntu', 'latest', undefined],
  ['library/ubuntu', 'docker.io', 'library/ubuntu', 'latest', undefined],
  ['docker.io/library/ubuntu', 'docker.io', 'library/ubuntu', 'latest', undefined],
  ['other/library', 'docker.io', 'other/library', 'latest', undefined],
  ['127.0.0.1:8000/private/moonbase', '127.0.0.1:8000', 'private/moonbase', 'latest', undefined],
  ['127.0.0.1:8000/privatebase', '127.0.0.1:8000', 'privatebase', 'latest', undefined],
  ['example.com/private/moonbase', 'example.com', 'private/moonbase', 'latest', undefined],
  ['example.com:8000/privatebasee', 'example.com:8000', 'privatebasee', 'latest', undefined],
  ['ubuntu-12.04-base', 'docker.io', 'library/ubuntu-12.04-base', 'latest', undefined],
  ['docker.io/foo', 'docker.io', 'library/foo', 'latest', undefined],
  ['library/foo/bar', 'docker.io', 'library/foo/bar', 'latest', undefined],
  ['store/foo/bar', 'docker.io', 'store/foo/bar', 'latest', undefined],
  ['Foo/bar', 'Foo', 'bar', 'latest', undefined],
  ['FOO/bar', 'FOO', 'bar', 'latest', undefined],
  // TestNormalizedSplitHostname
  ['test.com/foo', 'test.com', 'foo', 'latest', undefined],
  ['test_com/foo', 'docker.io', 'test_com/foo', 'latest', undefined],
  ['docker/migrator', 'docker.io', 'docker/migrator', 'latest', undefined],
  ['test.com:8080/foo', 'test.com:8080', 'foo', 'latest', undefined],
  ['test-com:8080/foo', 'test-com:8080', 'foo', 'latest', undefined],
  ['xn--n3h.com:18080/foo', 'xn--n3h.com:18080', 'foo', 'latest', undefined],
  ['docker.io/library/foo/bar', 'docker.io', 'library/foo/bar', 'latest', undefined],
  // TestParseAnyReference (names, not bare IDs)
  ['redis:latest', 'docker.io', 'library/redis', 'latest', undefined],
  [`redis@${REDIS_DIGEST}`, 'docker.io', 'library/redis', undefined, REDIS_DIGEST],
  [`dmcgowan/myapp@${REDIS_DIGEST}`, 'docker.io', 'dmcgowan/myapp', undefined, REDIS_DIGEST],
  ['dbcc1c35ac38df41fd2f5e4130b32ffdb93ebae8b3dbe638c23575912276fc9', 'docker.io', 'library/dbcc1c35ac38df41fd2f5e4130b32ffdb93ebae8b3dbe638c23575912276fc9', 'latest', undefined],
  ['dbcc1', 'docker.io', 'library/dbcc1', 'latest', undefined],
  // TestValidateReferenceName / TestValidateRemoteName (valid lists)
  ['192.168.0.1', 'docker.io', 'library/192.168.0.1', 'latest', undefined],
  ['192.168.0.1:80', 'docker.io', 'library/192.168.0.1', '80', undefined],
  ['192.168.0.1:8/debian', '192.168.0.1:8', 'debian', 'latest', undefined],
  ['[fc00::1]:5000/docker/docker', '[fc00::1]:5000', 'docker/docker', 'latest', undefined],
  ['docker.io/1a3f5e7d9c1b3a5f7e9d1c3b5a7f9e1d3c5b7a9f1e3d5d7c9b1a3f5e7d9c1b3a', 'docker.io', 'library/1a3f5e7d9c1b3a5f7e9d1c3b5a7f9e1d3c5b7a9f1e3d5d7c9b1a3f5e7d9c1b3a', 'latest', undefined],
  ['docker---rules/docker', 'docker.io', 'docker---rules/docker', 'latest', undefined],
  ['dock__er/docker', 'docker.io', 'dock__er/docker', 'latest', undefined],
  ['thisisthesongthatneverendsitgoesonandonandonthisisthesongthatnev', 'docker.io', 'library/thisisthesongthatneverendsitgoesonandonandonthisisthesongthatnev', 'latest', undefined],
  // TestReferenceParse inputs
  ['test:5000/repo:tag', 'test:5000', 'repo', 'tag', undefined],
  [`test:5000/repo@sha256:${F64}`, 'test:5000', 'repo', undefined, `sha256:${F64}`],
  [`test:5000/repo:tag@sha256:${F64}`, 'test:5000', 'repo', 'tag', `sha256:${F64}`],
  ['lowercase:Uppercase', 'docker.io', 'library/lowercase', 'Uppercase', undefined],
  ['sub-dom1.foo.com/bar/baz/quux:some-long-tag', 'sub-dom1.foo.com', 'bar/baz/quux', 'some-long-tag', undefined],
  ['b.gcr.io/test.example.com/my-app:test.example.com', 'b.gcr.io', 'test.example.com/my-app', 'test.example.com', undefined],
  [`xn--7o8h.com/myimage:xn--7o8h.com@sha512:${'f'.repeat(128)}`, 'xn--7o8h.com', 'myimage', 'xn--7o8h.com', `sha512:${'f'.repeat(128)}`],
  ['192.168.1.1:5000/repo:5050', '192.168.1.1:5000', 'repo', '5050', undefined],
  ['[2001:db8::1]/repo', '[2001:db8::1]', 'repo', 'latest', undefined],
  [`[2001:db8::1]:5000/repo:tag@sha256:${F64}`, '[2001:db8::1]:5000', 'repo', 'tag', `sha256:${F64}`],
  ['[::1]:5000/repo', '[::1]:5000', 'repo', 'latest', undefined],
  // localhost is always a domain (normalize.go splitDockerDomain)
  ['localhost/app', 'localhost', 'app', 'latest', undefined],
  ['localhost:5000/ns/app:v1', 'localhost:5000', 'ns/app', 'v1', undefined],
];

const INVALID = [
  // TestValidateReferenceName invalid list
  'https://github.com/docker/docker', 'docker/Docker', '-docker', '-docker/docker', '-docker.io/docker/docker', 'docker///docker',
  'docker.io/docker/Docker', 'docker.io/docker///docker', '[fc00::1]', '[fc00::1]:5000', 'fc00::1:5000/debian',
  '[fe80::1%eth0]:5000/debian', '[2001:db8:3:4::192.0.2.33]:5000/debian', '1a3f5e7d9c1b3a5f7e9d1c3b5a7f9e1d3c5b7a9f1e3d5d7c9b1a3f5e7d9c1b3a',
  // TestValidateRemoteName invalid list
  'docker-/docker', '-docker-/docker', '____/____', '_docker/_docker', 'dock..er/docker', 'dock_.er/docker', 'dock-.er/docker', 'docker/',
  `${'this_is_not_a_valid_namespace_because_its_lenth_is_greater_than_255_'.repeat(4)}/docker`,
  // TestReferenceParse errors
  '', ':justtag', `@sha256:${F64}`, 'repo@sha256:ffffffffffffffffffffffffffffffffff', `validname@invaliddigest:${F64}`, 'Uppercase:tag',
  'test:5000/Uppercase/lowercase:tag', `${'a/'.repeat(128)}a:tag`, 'aa/asdf$$^/aa', '[2001:db8::1]:tag', '[fe80::1%@invalidzone]:5000/repo',
];

describe('parseReference (distribution/reference ParseNormalizedNamed + TagNameOnly)', () => {
  it.each(VALID)('%s', (input, domain, path, tag, digest) => {
    const r = parseReference(input);
    expect({ domain: r.domain, path: r.path, tag: r.tag, digest: r.digest }).toEqual({ domain, path, tag, digest });
    expect(r.name).toBe(`${domain}/${path}`);
    expect(r.canonical).toBe(`${domain}/${path}${tag ? `:${tag}` : ''}${digest ? `@${digest}` : ''}`);
  });

  it.each(INVALID.map((s) => [s]))('refuses %j with REGISTRY_BAD_REFERENCE', (input) => {
    let err: unknown;
    try {
      parseReference(input);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(BoxerError);
    expect((err as BoxerError).diagnostic.code).toBe('REGISTRY_BAD_REFERENCE');
    expect((err as BoxerError).diagnostic.message).toContain(JSON.stringify(input));
  });

  it('ruby → docker.io/library/ruby:latest on registry-1.docker.io', () => {
    const r = parseReference('ruby');
    expect(r.canonical).toBe('docker.io/library/ruby:latest');
    expect(r.apiHost).toBe('registry-1.docker.io');
    expect(parseReference('127.0.0.1:5000/x').apiHost).toBe('127.0.0.1:5000');
  });

  it('keeps tag and digest together (TestParseReferenceWithTagAndDigest)', () => {
    const short = 'busybox:latest@sha256:86e0e091d0da6bde2456dbb48306f3956bbeb2eae1b5b9a43045843f69fe4aaa';
    const r = parseReference(short);
    expect(r.canonical).toBe(`docker.io/library/${short}`);
    expect(familiarString(r)).toBe(short);
  });

  it('gives the familiar names of TestParseRepositoryInfo', () => {
    expect(familiarString(parseReference('docker.io/library/ubuntu'))).toBe('ubuntu:latest');
    expect(familiarString(parseReference('docker.io/library/foo/bar'))).toBe('library/foo/bar:latest');
    expect(familiarString(parseReference('index.docker.io/fooo/bar'))).toBe('fooo/bar:latest');
    expect(familiarString(parseReference('127.0.0.1:8000/privatebase'))).toBe('127.0.0.1:8000/privatebase:latest');
  });

  it('says why: upper case, URL scheme, bad digest', () => {
    const why = (s: string): string => {
      try {
        parseReference(s);
      } catch (e) {
        return (e as BoxerError).diagnostic.message;
      }
      return '';
    };
    expect(why('docker/Docker')).toMatch(/must be lower-case/);
    expect(why('https://github.com/docker/docker')).toMatch(/URL scheme/);
    expect(why('repo@sha256:ffff')).toMatch(/digest/);
  });
});
