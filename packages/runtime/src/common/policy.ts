// Policy files and learn mode (DESIGN §5, §0.3). A policy is a `Grants` object as JSON: the same
// shape the CLI flags build and the JS API takes, so `--policy FILE` and `runBox({ grants })` are
// one thing. A file may also hold named permission sets (`"sets": { "name": {…} }`) picked with
// `--policy FILE#name`, laid over the file's top-level grants.
// In: policy text, or a run's audit events and mount usage. Out: Grants. Isomorphic (the CLI reads
// the file and resolves relative mount sources against the file's directory).
import type { AuditEvent } from './audit.js';
import { checkGrants, type Grants, type MountGrant } from './grants.js';
import { parseKvEntry, parseKvGrant } from './kv.js';

const GRANT_KEYS = ['env', 'denyEnv', 'net', 'denyNet', 'publish', 'mounts', 'persist', 'kv'] as const;
const MOUNT_KEYS = new Set(['type', 'source', 'target', 'readonly']);

/**
 * Parses a policy file's text. `set` picks a named permission set. Throws RangeError naming the
 * file and the problem: not JSON, an unknown key (a typo must not silently grant less or more), a
 * value of the wrong shape, or a set that does not exist.
 */
export function parsePolicy(text: string, file: string, set?: string): Grants {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new RangeError(`${file}: not JSON (${(e as Error).message})`);
  }
  if (!isObject(raw)) throw new RangeError(`${file}: a policy is a JSON object of grants`);
  const { sets, ...top } = raw;
  const base = grantsFrom(top, file);
  if (set === undefined) return base;
  if (!isObject(sets) || !isObject(sets[set])) {
    const names = isObject(sets) ? Object.keys(sets) : [];
    throw new RangeError(`${file}: no permission set "${set}"${names.length ? ` (it has ${names.join(', ')})` : ' (it has no "sets")'}`);
  }
  return mergeGrants(base, grantsFrom(sets[set] as Record<string, unknown>, `${file}#${set}`));
}

function grantsFrom(raw: Record<string, unknown>, where: string): Grants {
  const unknown = Object.keys(raw).filter((k) => !(GRANT_KEYS as readonly string[]).includes(k));
  if (unknown.length > 0) throw new RangeError(`${where}: unknown key ${unknown.map((k) => JSON.stringify(k)).join(', ')} (a policy has ${GRANT_KEYS.join(', ')}, sets)`);
  const strings = (k: string, v: unknown): readonly string[] => {
    if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) throw new RangeError(`${where}: "${k}" must be a list of strings`);
    return v as string[];
  };
  const grants: { -readonly [K in keyof Grants]: Grants[K] } = {};
  if (raw.env !== undefined) grants.env = raw.env === true ? true : strings('env', raw.env);
  if (raw.denyEnv !== undefined) grants.denyEnv = strings('denyEnv', raw.denyEnv);
  if (raw.net !== undefined) grants.net = raw.net === true ? true : strings('net', raw.net);
  if (raw.denyNet !== undefined) grants.denyNet = strings('denyNet', raw.denyNet);
  if (raw.publish !== undefined) grants.publish = strings('publish', raw.publish);
  if (raw.kv !== undefined) grants.kv = strings('kv', raw.kv);
  if (raw.persist !== undefined) {
    if (typeof raw.persist !== 'string' || raw.persist === '') throw new RangeError(`${where}: "persist" must be a path`);
    grants.persist = raw.persist;
  }
  if (raw.mounts !== undefined) {
    if (!Array.isArray(raw.mounts)) throw new RangeError(`${where}: "mounts" must be a list`);
    grants.mounts = raw.mounts.map((m, i): MountGrant => {
      if (!isObject(m)) throw new RangeError(`${where}: mounts[${i}] must be an object`);
      const extra = Object.keys(m).filter((k) => !MOUNT_KEYS.has(k));
      if (extra.length > 0) throw new RangeError(`${where}: mounts[${i}] has unknown key ${extra.join(', ')} (a mount has type, source, target, readonly)`);
      if (typeof m.target !== 'string') throw new RangeError(`${where}: mounts[${i}].target must be a guest path`);
      if (m.type === 'tmpfs') return { type: 'tmpfs', target: m.target };
      if (m.type !== undefined && m.type !== 'bind') throw new RangeError(`${where}: mounts[${i}].type must be bind or tmpfs`);
      if (typeof m.source !== 'string') throw new RangeError(`${where}: mounts[${i}].source must be a host directory`);
      if (m.readonly !== undefined && typeof m.readonly !== 'boolean') throw new RangeError(`${where}: mounts[${i}].readonly must be true or false`);
      return { source: m.source, target: m.target, readonly: m.readonly === true };
    });
  }
  try {
    checkGrants(grants);
  } catch (e) {
    if (e instanceof RangeError) throw new RangeError(`${where}: ${e.message}`);
    throw e;
  }
  return grants;
}

/**
 * Grants that allow what any of `list` allows, and deny what any denies (deny wins when the
 * decision is made). Two different `persist` stores are a RangeError: a run has one; so is a kv
 * bucket granted with two different files.
 */
export function mergeGrants(...list: Grants[]): Grants {
  const out: { -readonly [K in keyof Grants]: Grants[K] } = {};
  const union = <T>(a: readonly T[] | undefined, b: readonly T[] | undefined): T[] | undefined => (a || b ? [...new Set([...(a ?? []), ...(b ?? [])])] : undefined);
  for (const g of list) {
    if (g.env !== undefined) out.env = out.env === true || g.env === true ? true : union(out.env, g.env);
    if (g.net !== undefined) out.net = out.net === true || g.net === true ? true : union(out.net, g.net);
    if (g.denyEnv) out.denyEnv = union(out.denyEnv, g.denyEnv);
    if (g.denyNet) out.denyNet = union(out.denyNet, g.denyNet);
    if (g.publish) out.publish = union(out.publish, g.publish);
    if (g.kv) {
      out.kv = union(out.kv, g.kv);
      // NOTE: a bucket granted with two different files is refused here, like two --persist stores.
      parseKvGrant(out.kv ?? []);
    }
    if (g.mounts) out.mounts = [...(out.mounts ?? []), ...g.mounts];
    if (g.persist !== undefined) {
      if (out.persist !== undefined && out.persist !== g.persist) throw new RangeError(`two --persist stores given (${out.persist} and ${g.persist}); a run keeps one`);
      out.persist = g.persist;
    }
  }
  return out;
}

/** What a run did with one bind mount (from the worker's count of its lookups and writes). */
export interface MountUsage {
  target: string;
  /** The host directory as the run resolved it (absolute). */
  source: string;
  read: boolean;
  wrote: boolean;
}

/**
 * `--learn` (§0.3): the smallest grants, within the `ceiling` the run had, that give the same run
 * what it used: the host variables it was passed (preview1 hands the environment over whole at
 * start, so every variable the ceiling passed counts as used), the mounts it looked into (read-only
 * unless it wrote), the hosts and ports it connected to, the ports it served on, the store it kept,
 * the kv buckets it opened (with their files).
 * Denied operations are not in it: learning never widens the ceiling.
 */
export function learnPolicy(ceiling: Grants, events: readonly AuditEvent[], mounts: readonly MountUsage[]): Grants {
  const out: { -readonly [K in keyof Grants]: Grants[K] } = {};
  const allowed = (op: AuditEvent['op']): string[] => [...new Set(events.filter((e) => e.op === op && e.decision === 'allow').map((e) => e.resource))].sort();
  const env = allowed('env.read');
  if (env.length > 0) out.env = env;
  if (ceiling.denyEnv?.length) out.denyEnv = [...ceiling.denyEnv];
  if (ceiling.denyNet?.length) out.denyNet = [...ceiling.denyNet];
  const net = allowed('net.connect');
  if (net.length > 0) out.net = net;
  if (ceiling.publish?.length && events.some((e) => e.op === 'net.listen' && e.decision === 'allow')) out.publish = [...ceiling.publish];
  const kept: MountGrant[] = [];
  for (const m of ceiling.mounts ?? []) {
    if (m.type === 'tmpfs') {
      kept.push(m);
      continue;
    }
    const use = mounts.find((u) => u.target === m.target);
    if (!use || (!use.read && !use.wrote)) continue;
    kept.push({ source: use.source, target: m.target, readonly: m.readonly === true || !use.wrote });
  }
  if (kept.length > 0) out.mounts = kept;
  if (ceiling.persist !== undefined) out.persist = ceiling.persist;
  const opened = new Set(allowed('kv.open'));
  const kv = [...new Set((ceiling.kv ?? []).filter((e) => opened.has(parseKvEntry(e).bucket)))];
  if (kv.length > 0) out.kv = kv;
  return out;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** One thing a box asks for (its manifest's `requested`), and what `--allow-requested` made of it. */
export interface RequestedItem {
  /** As the Dockerfile said it: `EXPOSE 8080/tcp`, `VOLUME /data`. */
  request: string;
  /** The grant given, spelled as a flag (`-p 127.0.0.1:8080:8080`), or undefined when not granted. */
  grant?: string;
  /** Why it was not granted. */
  reason?: string;
}

/**
 * `--allow-requested`: what a box's manifest asks for, as grants. An EXPOSEd TCP port is published
 * on the same port of 127.0.0.1 (never on every interface: that stays an explicit `-p 0.0.0.0:…`);
 * a VOLUME gets an empty in-memory directory, as docker gives an anonymous volume (nothing of the
 * host is involved). Anything else is listed as not granted, with the reason.
 */
export function requestedGrants(requested: { ports: readonly string[]; volumes: readonly string[] }): { grants: Grants; items: RequestedItem[] } {
  const items: RequestedItem[] = [];
  const publish: string[] = [];
  const mounts: MountGrant[] = [];
  for (const p of requested.ports) {
    const [port, proto = 'tcp'] = p.split('/') as [string, string?];
    const request = `EXPOSE ${p}`;
    if (proto.toLowerCase() !== 'tcp') items.push({ request, reason: `${proto} is not served: boxer publishes HTTP over tcp only` });
    else if (!/^\d{1,5}$/.test(port) || Number(port) < 1 || Number(port) > 65535) items.push({ request, reason: 'not a single port (ranges are not published)' });
    else {
      publish.push(`127.0.0.1:${port}:${port}`);
      items.push({ request, grant: `-p 127.0.0.1:${port}:${port}` });
    }
  }
  for (const v of requested.volumes) {
    const request = `VOLUME ${v}`;
    if (!v.startsWith('/') || v.replace(/\/+$/, '') === '') items.push({ request, reason: 'not an absolute path other than /' });
    else {
      mounts.push({ type: 'tmpfs', target: v });
      items.push({ request, grant: `--mount type=tmpfs,target=${v}` });
    }
  }
  return { grants: { ...(publish.length ? { publish } : {}), ...(mounts.length ? { mounts } : {}) }, items };
}
