// `--allow-net` entries and decisions (common/net-policy.ts), and `-p` parsing. Expected values:
// - entries and matching: Deno's documented `--allow-net`
//   (https://docs.deno.com/runtime/fundamentals/security/, "Network access"; denoland/docs
//   runtime/fundamentals/security.md): "A host can be a hostname or IP address, optionally with a
//   port"; "Hostnames do not allow subdomains, unless explicitly listed. To allow any subdomain for a
//   hostname, `*` can be used as wildcard for any subdomain"; examples `--allow-net=github.com,jsr.io`,
//   `--allow-net=example.com:80`, `--allow-net=1.1.1.1:443`, `--allow-net=[2606:4700:4700::1111]`
//   (an IPv6 address, all ports); bare `--allow-net` allows every host.
// - CIDR entries (boxer's extension; Deno has none, denoland/deno#9816): RFC 4632 §3.1 prefix
//   semantics (127.0.0.0/8 holds 127.0.0.0–127.255.255.255).
// - `-p`: docker's `-p [IP:]HOST_PORT:CONTAINER_PORT[/PROTO]`
//   (https://docs.docker.com/reference/cli/docker/container/run/#publish), except that boxer's
//   default IP is 127.0.0.1, not every interface.
import { describe, expect, it } from 'vitest';
import { decideConnect, mayResolve, parseIp, parseNetEntry, parseNetGrant, parsePublish, type NetGrant } from '../src/common/net-policy.js';

const decide = (grant: NetGrant, host: string, port: number, addresses: string[] = [host]): { allowed: boolean; address?: string; grant: string } => {
  const rules = grant === true ? [] : parseNetGrant(grant);
  return decideConnect(grant, rules, host, port, addresses);
};

describe('Deno --allow-net entries', () => {
  it('bare --allow-net allows every host and port', () => {
    expect(decide(true, 'example.com', 443, ['93.184.215.14'])).toEqual({ allowed: true, address: '93.184.215.14', grant: '--allow-net' });
    expect(decide(true, '127.0.0.1', 1)).toMatchObject({ allowed: true });
  });

  it('--allow-net=github.com,jsr.io: those hosts on any port, nothing else', () => {
    const g = ['github.com', 'jsr.io'];
    expect(decide(g, 'github.com', 443, ['140.82.112.3'])).toEqual({ allowed: true, address: '140.82.112.3', grant: '--allow-net=github.com' });
    expect(decide(g, 'jsr.io', 80, ['1.2.3.4'])).toMatchObject({ allowed: true, grant: '--allow-net=jsr.io' });
    expect(decide(g, 'deno.land', 443, ['1.2.3.4'])).toMatchObject({ allowed: false });
  });

  it('a hostname does not allow its subdomains unless listed', () => {
    expect(decide(['github.com'], 'api.github.com', 443, ['1.2.3.4'])).toMatchObject({ allowed: false });
    expect(decide(['github.com'], 'evilgithub.com', 443, ['1.2.3.4'])).toMatchObject({ allowed: false });
  });

  it('*.example.com allows any subdomain', () => {
    expect(decide(['*.example.com'], 'api.example.com', 443, ['1.2.3.4'])).toMatchObject({ allowed: true, grant: '--allow-net=*.example.com' });
    expect(decide(['*.example.com'], 'a.b.example.com', 8080, ['1.2.3.4'])).toMatchObject({ allowed: true });
    expect(decide(['*.example.com'], 'notexample.com', 443, ['1.2.3.4'])).toMatchObject({ allowed: false });
  });

  it('--allow-net=example.com:80: that port only', () => {
    expect(decide(['example.com:80'], 'example.com', 80, ['1.2.3.4'])).toMatchObject({ allowed: true, grant: '--allow-net=example.com:80' });
    expect(decide(['example.com:80'], 'example.com', 443, ['1.2.3.4'])).toMatchObject({ allowed: false });
  });

  it('--allow-net=1.1.1.1:443: that address and port', () => {
    expect(decide(['1.1.1.1:443'], '1.1.1.1', 443)).toMatchObject({ allowed: true, address: '1.1.1.1' });
    expect(decide(['1.1.1.1:443'], '1.1.1.1', 80)).toMatchObject({ allowed: false });
    expect(decide(['1.1.1.1:443'], '1.0.0.1', 443)).toMatchObject({ allowed: false });
  });

  it('--allow-net=[2606:4700:4700::1111]: an IPv6 address on every port, however it is spelled', () => {
    const g = ['[2606:4700:4700::1111]'];
    expect(decide(g, '2606:4700:4700::1111', 443)).toMatchObject({ allowed: true });
    expect(decide(g, '2606:4700:4700:0:0:0:0:1111', 53)).toMatchObject({ allowed: true });
    expect(decide(g, '2606:4700:4700::1001', 443)).toMatchObject({ allowed: false });
    expect(decide(['[::1]:8000'], '::1', 8000)).toMatchObject({ allowed: true });
    expect(decide(['[::1]:8000'], '::1', 8001)).toMatchObject({ allowed: false });
  });

  it('matches hostnames without regard to case or a trailing dot', () => {
    expect(decide(['GitHub.com'], 'github.COM.', 443, ['1.2.3.4'])).toMatchObject({ allowed: true });
  });

  it('refuses entries that are not hosts', () => {
    for (const bad of ['', 'http://example.com', 'example.com:http', 'example.com:70000', '::1', '[::1', '[1.2.3.4]', 'exa mple.com', '1.2.3.4/33', 'example.com/8']) {
      expect(() => parseNetEntry(bad), bad).toThrow(RangeError);
    }
  });
});

describe('resolved addresses (boxer: the connection goes where the name resolved to)', () => {
  it('an IP entry allows a name that resolves to that address, and the connection uses it', () => {
    expect(decide(['127.0.0.1:8080'], 'localhost', 8080, ['::1', '127.0.0.1'])).toEqual({ allowed: true, address: '127.0.0.1', grant: '--allow-net=127.0.0.1:8080' });
  });

  it('a name entry does not allow an IP literal, nor an IP entry a name that resolves elsewhere', () => {
    expect(decide(['localhost'], '127.0.0.1', 80)).toMatchObject({ allowed: false });
    expect(decide(['127.0.0.1'], 'evil.example', 80, ['10.0.0.1'])).toMatchObject({ allowed: false, address: '10.0.0.1' });
  });

  it('a name that resolved to nothing is denied', () => {
    expect(decide(['example.com'], 'example.com', 80, [])).toMatchObject({ allowed: false });
    expect(decide(true, 'example.com', 80, [])).toMatchObject({ allowed: false });
  });
});

describe('mayResolve (a lookup is itself network access)', () => {
  const may = (grant: NetGrant | undefined, host: string, port: number): boolean => mayResolve(grant, grant === undefined || grant === true ? [] : parseNetGrant(grant), host, port);
  it('looks a name up only when an entry could allow it', () => {
    expect(may(undefined, 'example.com', 80)).toBe(false);
    expect(may(true, 'example.com', 80)).toBe(true);
    expect(may(['example.com:443'], 'example.com', 443)).toBe(true);
    expect(may(['example.com:443'], 'example.com', 80)).toBe(false);
    expect(may(['example.com'], 'exfil-data.attacker.example', 80)).toBe(false);
    expect(may(['*.example.com'], 'a.example.com', 80)).toBe(true);
    expect(may(['127.0.0.0/8:8080'], 'localhost', 8080)).toBe(true);
    expect(may(['127.0.0.0/8:8080'], 'localhost', 80)).toBe(false);
  });

  it('for a wasi:sockets lookup (no port yet): when an entry could allow it on some port; only a port-less --deny-net name refuses', () => {
    const any = (grant: NetGrant | undefined, host: string, deny: string[] = []): boolean =>
      mayResolve(grant, grant === undefined || grant === true ? [] : parseNetGrant(grant), host, undefined, parseNetGrant(deny));
    expect(any(undefined, 'example.com')).toBe(false);
    expect(any(['example.com:443'], 'example.com')).toBe(true);
    expect(any(['example.com:443'], 'other.example')).toBe(false);
    expect(any(['10.0.0.0/8:5432'], 'db.internal')).toBe(true);
    expect(any(true, 'example.com', ['example.com'])).toBe(false);
    expect(any(true, 'example.com', ['example.com:22'])).toBe(true);
  });
});

describe('CIDR entries (RFC 4632 prefixes)', () => {
  it('127.0.0.0/8 holds 127.0.0.0 to 127.255.255.255, on every port unless one is given', () => {
    expect(decide(['127.0.0.0/8'], '127.0.0.1', 1)).toMatchObject({ allowed: true, grant: '--allow-net=127.0.0.0/8' });
    expect(decide(['127.0.0.0/8'], '127.255.255.255', 65535)).toMatchObject({ allowed: true });
    expect(decide(['127.0.0.0/8'], '128.0.0.1', 80)).toMatchObject({ allowed: false });
    expect(decide(['127.0.0.0/8:80'], '127.1.2.3', 81)).toMatchObject({ allowed: false });
    expect(decide(['10.0.0.0/12'], '10.15.255.255', 80)).toMatchObject({ allowed: true });
    expect(decide(['10.0.0.0/12'], '10.16.0.0', 80)).toMatchObject({ allowed: false });
    expect(decide(['0.0.0.0/0'], '8.8.8.8', 53)).toMatchObject({ allowed: true });
  });

  it('[fd00::]/8 holds the IPv6 unique-local block; families never match each other', () => {
    expect(decide(['[fd00::]/8'], 'fd12:3456::1', 443)).toMatchObject({ allowed: true });
    expect(decide(['[fd00::]/8'], 'fe80::1', 443)).toMatchObject({ allowed: false });
    expect(decide(['0.0.0.0/0'], '::1', 443)).toMatchObject({ allowed: false });
  });
});

describe('parseIp', () => {
  it('reads IPv4 and IPv6 (with ::, and a dotted tail) and nothing else', () => {
    expect([...parseIp('192.168.0.1')!]).toEqual([192, 168, 0, 1]);
    expect([...parseIp('::ffff:1.2.3.4')!].slice(10)).toEqual([0xff, 0xff, 1, 2, 3, 4]);
    expect(parseIp('::')!.every((b) => b === 0)).toBe(true);
    for (const bad of ['1.2.3', '1.2.3.256', '01.2.3.4', '1::2::3', '1:2:3:4:5:6:7:8:9', 'example.com', '']) expect(parseIp(bad), bad).toBeUndefined();
  });
});

describe('-p (docker publish syntax)', () => {
  it('HOST:GUEST listens on 127.0.0.1 (boxer default), IP:HOST:GUEST where asked', () => {
    expect(parsePublish('8080:80')).toEqual({ hostIp: '127.0.0.1', hostPort: 8080, guestPort: 80 });
    expect(parsePublish('0.0.0.0:8080:80/tcp')).toEqual({ hostIp: '0.0.0.0', hostPort: 8080, guestPort: 80 });
    expect(parsePublish('[::1]:8080:80')).toEqual({ hostIp: '::1', hostPort: 8080, guestPort: 80 });
  });

  it('refuses udp, ranges, a missing guest port and bad addresses', () => {
    for (const bad of ['8080:80/udp', '8080-8081:80-81', '80', 'localhost:8080:80', '8080:0', '8080:99999', '[::1:8080:80']) {
      expect(() => parsePublish(bad), bad).toThrow(RangeError);
    }
  });
});

// --deny-net: Deno's permissions docs ("Network access": `--deny-net` ... "--deny-* flags take
// precedence over --allow-* flags", e.g. `deno run --allow-net --deny-net=github.com`).
describe('--deny-net wins over --allow-net', () => {
  const decideWithDeny = (grant: NetGrant, deny: string[], host: string, port: number, addresses: string[] = [host]) =>
    decideConnect(grant, grant === true ? [] : parseNetGrant(grant), host, port, addresses, parseNetGrant(deny));

  it('--allow-net --deny-net=github.com: every host but that one', () => {
    expect(decideWithDeny(true, ['github.com'], 'github.com', 443, ['140.82.112.3'])).toEqual({ allowed: false, address: '140.82.112.3', grant: '--deny-net=github.com' });
    expect(decideWithDeny(true, ['github.com'], 'jsr.io', 443, ['1.2.3.4'])).toMatchObject({ allowed: true, grant: '--allow-net' });
  });

  it('a denied CIDR inside an allowed one, and a port-scoped deny', () => {
    expect(decideWithDeny(['10.0.0.0/8'], ['10.1.0.0/16'], '10.1.2.3', 80)).toMatchObject({ allowed: false, grant: '--deny-net=10.1.0.0/16' });
    expect(decideWithDeny(['10.0.0.0/8'], ['10.1.0.0/16'], '10.2.0.1', 80)).toMatchObject({ allowed: true, grant: '--allow-net=10.0.0.0/8' });
    expect(decideWithDeny(['127.0.0.1'], ['127.0.0.1:22'], '127.0.0.1', 22)).toMatchObject({ allowed: false });
    expect(decideWithDeny(['127.0.0.1'], ['127.0.0.1:22'], '127.0.0.1', 8080)).toMatchObject({ allowed: true });
  });

  it('skips a resolved address the deny list holds and connects to one it does not', () => {
    expect(decideWithDeny(['example.com'], ['192.168.0.0/16'], 'example.com', 443, ['192.168.1.1', '93.184.215.14'])).toEqual({ allowed: true, address: '93.184.215.14', grant: '--allow-net=example.com' });
    expect(decideWithDeny(['example.com'], ['192.168.0.0/16'], 'example.com', 443, ['192.168.1.1'])).toMatchObject({ allowed: false, grant: '--deny-net=192.168.0.0/16' });
  });

  it('never resolves a name that a deny entry names', () => {
    expect(mayResolve(true, [], 'github.com', 443, parseNetGrant(['github.com']))).toBe(false);
    expect(mayResolve(true, [], 'api.evil.example', 443, parseNetGrant(['*.evil.example']))).toBe(false);
    expect(mayResolve(true, [], 'jsr.io', 443, parseNetGrant(['github.com']))).toBe(true);
  });
});

// IPv4-mapped IPv6 addresses are IPv4 to the kernel (RFC 4291 §2.5.5.2); connecting to the
// unspecified address reaches the local host on Linux (ip(7): INADDR_ANY), so neither may walk
// around a deny entry or an allow list.
describe('addresses that are another address in disguise', () => {
  const d = (grant: NetGrant, deny: string[], host: string, addresses: string[] = [host]) =>
    decideConnect(grant, grant === true ? [] : parseNetGrant(grant), host, 80, addresses, parseNetGrant(deny));

  it('decides ::ffff:a.b.c.d as a.b.c.d, and connects to the IPv4 form', () => {
    expect(d(true, ['169.254.0.0/16'], '::ffff:169.254.169.254')).toMatchObject({ allowed: false, grant: '--deny-net=169.254.0.0/16' });
    expect(d(true, ['169.254.0.0/16'], 'attacker.example', ['::ffff:169.254.169.254'])).toMatchObject({ allowed: false });
    expect(d(['127.0.0.1'], [], '::ffff:127.0.0.1')).toEqual({ allowed: true, address: '127.0.0.1', grant: '--allow-net=127.0.0.1' });
  });

  it('refuses 0.0.0.0/8 and :: even under a bare --allow-net', () => {
    expect(d(true, ['127.0.0.0/8'], '0.0.0.0')).toMatchObject({ allowed: false });
    expect(d(true, [], '0.0.0.0')).toMatchObject({ allowed: false });
    expect(d(true, [], '::')).toMatchObject({ allowed: false });
    expect(d(true, [], 'local.example', ['0.0.0.0', '93.184.215.14'])).toEqual({ allowed: true, address: '93.184.215.14', grant: '--allow-net' });
  });
});
