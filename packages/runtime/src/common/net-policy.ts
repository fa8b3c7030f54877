// `--allow-net[=host[:port],…]`: which outbound connections a run may make (DESIGN §5). Pure and
// isomorphic: the node net adapter resolves names and asks `decideConnect()` about each address.
// In: the grant (true = every host, or a list of entries) and one connection attempt (the host the
// guest named, the port, the addresses the name resolved to). Out: the address to connect to and
// the entry that allowed it, or a denial.
//
// Entries follow Deno's `--allow-net` (https://docs.deno.com/runtime/fundamentals/security/,
// "Network access"): a host is a hostname or an IP address, optionally with a port; no port means
// every port; a hostname does not allow its subdomains unless listed, and `*.example.com` allows any
// subdomain; IPv6 addresses are written in brackets (`[::1]`, `[::1]:8000`).
//
// Where boxer goes further than Deno, and why:
// - CIDR blocks (`127.0.0.0/8`, `[fd00::]/8`, optionally `:port`): Deno has none (denoland/deno#9816).
// - A hostname is resolved by the host and the connection goes to the resolved address, so that IP
//   and CIDR entries can be checked against where the connection really goes: a name is allowed when
//   a hostname entry names it, or when an IP/CIDR entry covers the address it resolved to (Deno
//   checks the name only, denoland/deno#21227). The same address is then the one connected to, so a
//   second resolution cannot move the connection elsewhere (DNS rebinding). A name is looked up only
//   when an entry could allow it (`mayResolve`); an IP/CIDR entry therefore lets the guest have any
//   name resolved for its port, and a lookup can carry data to that name's DNS servers.

export type NetGrant = true | readonly string[];

export type NetRule =
  | { kind: 'name'; name: string; port?: number; entry: string }
  | { kind: 'wildcard'; suffix: string; port?: number; entry: string }
  | { kind: 'ip'; family: 4 | 6; bytes: Uint8Array; prefix: number; port?: number; entry: string };

export interface NetDecision {
  allowed: boolean;
  /** The address to connect to (allowed) or the first one refused (denied). */
  address?: string;
  /** The grant that decided, spelled as the CLI flag: `--allow-net`, `--allow-net=127.0.0.1:8080`. */
  grant: string;
}

/** Parses every entry of `--allow-net=…`; throws RangeError naming the first bad one. */
export function parseNetGrant(entries: readonly string[]): NetRule[] {
  return entries.map(parseNetEntry);
}

/** One `--allow-net` entry → a rule. Throws RangeError naming the entry. */
export function parseNetEntry(entry: string): NetRule {
  const bad = (why: string): never => {
    throw new RangeError(`--allow-net entry ${JSON.stringify(entry)}: ${why}`);
  };
  const text = entry.trim();
  if (text === '') bad('empty');
  let host: string;
  let portText: string | undefined;
  if (text.startsWith('[')) {
    const close = text.indexOf(']');
    if (close < 0) bad('an IPv6 address needs its closing "]"');
    host = text.slice(1, close);
    let rest = text.slice(close + 1);
    if (rest.startsWith('/')) {
      const m = /^\/(\d+)(.*)$/.exec(rest);
      if (!m) bad('expected a prefix length after "/"');
      host += `/${m![1]}`;
      rest = m![2]!;
    }
    if (rest !== '') {
      if (!rest.startsWith(':')) bad('expected ":PORT" after "]"');
      portText = rest.slice(1);
    }
    if (!host.includes(':')) bad('only IPv6 addresses go in brackets');
  } else {
    const colons = text.split(':').length - 1;
    if (colons > 1) bad('write an IPv6 address in brackets, e.g. [::1]:8080');
    const cut = text.lastIndexOf(':');
    host = cut < 0 ? text : text.slice(0, cut);
    portText = cut < 0 ? undefined : text.slice(cut + 1);
  }
  let port: number | undefined;
  if (portText !== undefined) {
    if (!/^\d{1,5}$/.test(portText) || Number(portText) > 65535) bad(`${JSON.stringify(portText)} is not a port (0 to 65535)`);
    port = Number(portText);
  }
  const withPort = port === undefined ? {} : { port };
  const slash = host.indexOf('/');
  const addr = slash < 0 ? host : host.slice(0, slash);
  const ip = parseIp(addr);
  if (ip) {
    let prefix = ip.length * 8;
    if (slash >= 0) {
      const p = host.slice(slash + 1);
      if (!/^\d{1,3}$/.test(p) || Number(p) > ip.length * 8) bad(`/${p} is not a prefix length for IPv${ip.length === 4 ? 4 : 6} (0 to ${ip.length * 8})`);
      prefix = Number(p);
    }
    return { kind: 'ip', family: ip.length === 4 ? 4 : 6, bytes: ip, prefix, ...withPort, entry };
  }
  if (slash >= 0) bad(`${JSON.stringify(addr)} is not an IP address, so it cannot take a prefix length`);
  const name = normalizeName(host);
  if (name.startsWith('*.')) {
    const suffix = name.slice(2);
    if (!isHostname(suffix)) bad(`${JSON.stringify(host)} is not a hostname`);
    return { kind: 'wildcard', suffix, ...withPort, entry };
  }
  if (!isHostname(name)) bad(`${JSON.stringify(host)} is neither a hostname nor an IP address`);
  return { kind: 'name', name, ...withPort, entry };
}

/** Whether `rule` covers a connection to `address` (resolved from `name`, or the literal itself) on `port`. */
function ruleMatches(rule: NetRule, name: string, literal: boolean, address: Uint8Array | undefined, port: number): boolean {
  if (rule.port !== undefined && rule.port !== port) return false;
  if (rule.kind === 'name') return !literal && rule.name === name;
  if (rule.kind === 'wildcard') return !literal && name.endsWith(`.${rule.suffix}`);
  return address !== undefined && inPrefix(address, rule);
}

/**
 * Decides one connection: `host` as the guest named it (a hostname or an IP literal, IPv6 without
 * brackets), `port`, and `addresses`, what the host resolved it to (for an IP literal, the literal
 * itself). Returns the first address that an entry allows and no `deny` entry (`--deny-net`, which
 * wins, as in Deno) refuses, with that entry; a denied address is skipped, and when every address
 * was denied the decision names the deny entry.
 */
export function decideConnect(grant: NetGrant | undefined, rules: readonly NetRule[], host: string, port: number, addresses: readonly string[], deny: readonly NetRule[] = []): NetDecision {
  const name = normalizeName(host);
  const literal = parseIp(name) !== undefined;
  let deniedBy: NetRule | undefined;
  let unspecified: string | undefined;
  for (const raw of addresses) {
    // NOTE: an IPv4-mapped IPv6 address (::ffff:a.b.c.d) is that IPv4 address to the kernel, so it
    // is decided (and connected to) as one; otherwise `[::ffff:169.254.169.254]` would slip past a
    // v4 deny entry.
    let bytes = parseIp(raw);
    if (bytes && bytes.length === 16 && bytes.subarray(0, 10).every((b) => b === 0) && bytes[10] === 0xff && bytes[11] === 0xff) bytes = bytes.slice(12);
    const address = bytes ? formatIp(bytes) : raw;
    // NOTE: Linux connects 0.0.0.0 (and ::) to the local host: refused, whatever is allowed, so
    // that `--allow-net --deny-net=127.0.0.0/8` cannot be walked around.
    if (bytes && (bytes.length === 4 ? bytes[0] === 0 : bytes.every((b) => b === 0))) {
      unspecified ??= address;
      continue;
    }
    const refused = deny.find((rule) => ruleMatches(rule, name, literal, bytes, port));
    if (refused) {
      deniedBy ??= refused;
      continue;
    }
    if (grant === true) return { allowed: true, address, grant: '--allow-net' };
    const rule = rules.find((r) => ruleMatches(r, name, literal, bytes, port));
    if (rule) return { allowed: true, address, grant: `--allow-net=${rule.entry}` };
  }
  if (deniedBy) return { allowed: false, address: addresses[0]!, grant: `--deny-net=${deniedBy.entry}` };
  if (unspecified !== undefined) return { allowed: false, address: unspecified, grant: 'unspecified address (it means this host)' };
  return { allowed: false, ...(addresses[0] !== undefined ? { address: addresses[0] } : {}), grant: grant === undefined ? 'none' : grant === true ? '--allow-net' : `--allow-net=${grant.join(',')}` };
}

/**
 * Whether the host may resolve `host` at all for a connection to `port`: resolving is itself a
 * network operation (a name can carry data to whoever runs its DNS), so a name is looked up only
 * when an entry could allow the result: every host (`true`), a hostname or wildcard entry that names
 * it, or an IP/CIDR entry for that port (which is checked against the addresses it resolves to).
 * `port` undefined (wasi:sockets' ip-name-lookup, which names no port) means: for some port.
 */
export function mayResolve(grant: NetGrant | undefined, rules: readonly NetRule[], host: string, port: number | undefined, deny: readonly NetRule[] = []): boolean {
  if (grant === undefined) return false;
  const name = normalizeName(host);
  // NOTE: a name that a --deny-net name or wildcard entry covers is never looked up (for any port:
  // only an entry without a port refuses every port).
  if (deny.some((r) => r.kind !== 'ip' && ruleMatches(r, name, false, undefined, port ?? -1))) return false;
  if (grant === true) return true;
  return rules.some((r) => (port === undefined || r.port === undefined || r.port === port) && (r.kind === 'ip' || (r.kind === 'name' ? r.name === name : name.endsWith(`.${r.suffix}`))));
}

/**
 * An address's bytes → its text: IPv4 dotted, IPv6 as RFC 5952 writes it (lower case, the longest
 * run of two or more zero groups as `::`, IPv4-mapped addresses in hex like the rest).
 */
export function formatIp(bytes: Uint8Array): string {
  if (bytes.length === 4) return bytes.join('.');
  const words: number[] = [];
  for (let i = 0; i < 16; i += 2) words.push((bytes[i]! << 8) | bytes[i + 1]!);
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (words[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && words[j] === 0) j++;
    if (j - i > bestLen) {
      best = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = (ws: readonly number[]): string => ws.map((x) => x.toString(16)).join(':');
  return best < 0 ? hex(words) : `${hex(words.slice(0, best))}::${hex(words.slice(best + bestLen))}`;
}

/** `host:port` as the audit names it (IPv6 in brackets). */
export function formatHostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/** Lower case, without a trailing dot (`Example.COM.` → `example.com`); brackets dropped. */
function normalizeName(host: string): string {
  let h = host.toLowerCase();
  if (h.startsWith('[') && h.endsWith(']')) h = h.slice(1, -1);
  if (h.endsWith('.') && h.length > 1) h = h.slice(0, -1);
  return h;
}

function isHostname(name: string): boolean {
  if (name.length === 0 || name.length > 253) return false;
  return name.split('.').every((label) => /^[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?$/.test(label));
}

function inPrefix(bytes: Uint8Array, rule: Extract<NetRule, { kind: 'ip' }>): boolean {
  if (bytes.length !== rule.bytes.length) return false;
  let bits = rule.prefix;
  for (let i = 0; i < bytes.length && bits > 0; i++, bits -= 8) {
    const mask = bits >= 8 ? 0xff : (0xff << (8 - bits)) & 0xff;
    if ((bytes[i]! & mask) !== (rule.bytes[i]! & mask)) return false;
  }
  return true;
}

/** An IPv4 (dotted quad) or IPv6 address → its bytes, else undefined. IPv4-mapped IPv6 stays IPv6. */
export function parseIp(text: string): Uint8Array | undefined {
  const v4 = parseIpv4(text);
  if (v4) return v4;
  return parseIpv6(text);
}

function parseIpv4(text: string): Uint8Array | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  const out = new Uint8Array(4);
  for (let i = 0; i < 4; i++) {
    const p = parts[i]!;
    if (!/^(0|[1-9]\d{0,2})$/.test(p) || Number(p) > 255) return undefined;
    out[i] = Number(p);
  }
  return out;
}

function parseIpv6(text: string): Uint8Array | undefined {
  if (!text.includes(':') || text.includes('%')) return undefined;
  let head = text;
  let tailV4: Uint8Array | undefined;
  const lastColon = text.lastIndexOf(':');
  if (text.slice(lastColon + 1).includes('.')) {
    tailV4 = parseIpv4(text.slice(lastColon + 1));
    if (!tailV4) return undefined;
    head = `${text.slice(0, lastColon + 1)}0:0`;
  }
  const halves = head.split('::');
  if (halves.length > 2) return undefined;
  const group = (s: string): number[] | undefined => {
    if (s === '') return [];
    const out: number[] = [];
    for (const g of s.split(':')) {
      if (!/^[0-9a-f]{1,4}$/i.test(g)) return undefined;
      out.push(parseInt(g, 16));
    }
    return out;
  };
  const left = group(halves[0]!);
  const right = halves.length === 2 ? group(halves[1]!) : [];
  if (!left || !right) return undefined;
  const fill = 8 - left.length - right.length;
  if (halves.length === 2 ? fill < 1 : fill !== 0) return undefined;
  const groups = [...left, ...new Array<number>(halves.length === 2 ? fill : 0).fill(0), ...right];
  const out = new Uint8Array(16);
  groups.forEach((g, i) => {
    out[2 * i] = g >> 8;
    out[2 * i + 1] = g & 0xff;
  });
  if (tailV4) out.set(tailV4, 12);
  return out;
}

/** `-p [IP:]HOST_PORT:GUEST_PORT[/tcp]`: where the host listens, and the guest port it stands for. */
export interface PublishSpec {
  /** Address the host listens on. @default '127.0.0.1' */
  hostIp: string;
  /** Host port; 0 picks a free one. */
  hostPort: number;
  guestPort: number;
}

/**
 * Parses docker's `-p`/`--publish` value: `HOST:GUEST`, `IP:HOST:GUEST`, `[IPv6]:HOST:GUEST`, each
 * optionally with `/tcp`. Unlike docker (which listens on every interface), a spec without an IP
 * listens on 127.0.0.1 only: reaching the box from other machines must be asked for by name.
 * Throws RangeError naming the problem.
 */
export function parsePublish(spec: string): PublishSpec {
  const bad = (why: string): never => {
    throw new RangeError(`-p ${spec}: ${why}`);
  };
  let text = spec.trim();
  const proto = text.lastIndexOf('/');
  if (proto >= 0) {
    const p = text.slice(proto + 1).toLowerCase();
    if (p !== 'tcp') bad(`${p} is not supported (boxer publishes HTTP over tcp)`);
    text = text.slice(0, proto);
  }
  let hostIp = '127.0.0.1';
  if (text.startsWith('[')) {
    const close = text.indexOf(']');
    if (close < 0 || text[close + 1] !== ':') bad('expected [IPv6]:HOST_PORT:GUEST_PORT');
    hostIp = text.slice(1, close);
    if (!parseIpv6(hostIp)) bad(`${hostIp} is not an IPv6 address`);
    text = text.slice(close + 2);
  }
  const parts = text.split(':');
  if (parts.length === 3 && hostIp === '127.0.0.1' && !spec.trim().startsWith('[')) {
    hostIp = parts.shift()!;
    if (!parseIpv4(hostIp)) bad(`${hostIp} is not an IP address`);
  }
  if (parts.length !== 2) bad('expected HOST_PORT:GUEST_PORT (e.g. 8080:80), optionally after an IP (127.0.0.1:8080:80)');
  const port = (p: string, what: string, min: number): number => {
    if (!/^\d{1,5}$/.test(p) || Number(p) > 65535 || Number(p) < min) bad(`${JSON.stringify(p)} is not a ${what} port (${min} to 65535; ranges are not supported)`);
    return Number(p);
  };
  return { hostIp, hostPort: port(parts[0]!, 'host', 0), guestPort: port(parts[1]!, 'guest', 1) };
}
