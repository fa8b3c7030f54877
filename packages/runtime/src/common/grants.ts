// Grants: what a run may take from its host (DESIGN §5; deny by default). The same shape drives the
// CLI flags and the JS API; later grants (mounts, net, …) are added as further fields.
// In: the grants and the host's variables (names/values, read by the host's env adapter). Out: the
// variables the guest gets and one audit event per decision. Isomorphic: reads no host state itself.
import type { AuditEvent } from './audit.js';
import { parseKvGrant } from './kv.js';
import { parseNetGrant, parsePublish } from './net-policy.js';

export interface Grants {
  /**
   * `--allow-env[=A,B]`: host environment variables passed to the guest. `true` passes every one
   * (Deno's `--allow-env`), a list passes those names (when the host has them). They override the
   * image's Env; `-e` (`RunBoxOptions.env`) overrides both. @default none
   */
  env?: true | readonly string[];
  /** `--deny-env=A,B`: names never passed, whatever `env` allows (deny wins). */
  denyEnv?: readonly string[];
  /**
   * `--allow-net[=host[:port],…]`: outbound connections (a preview2 component's wasi:http requests).
   * `true` allows every host; a list allows its entries with Deno's `--allow-net` semantics plus
   * CIDR blocks (see common/net-policy.ts). Each attempt is audited (`net.connect`). @default none
   */
  net?: true | readonly string[];
  /** `--deny-net=A,B`: entries (the same forms as `net`) never connected to, whatever `net` allows (deny wins). */
  denyNet?: readonly string[];
  /**
   * `-p [IP:]HOST_PORT:GUEST_PORT`: where the host listens for a component that exports
   * wasi:http/incoming-handler (the IP defaults to 127.0.0.1). Without it nothing listens. @default none
   */
  publish?: readonly string[];
  /**
   * `-v HOST:GUEST[:ro]` / `--mount type=bind|tmpfs,…` (docker's syntax, DESIGN §0.4): host
   * directories the guest sees, live, at absolute guest paths, confined to the directory; tmpfs
   * mounts are empty in-memory directories (their bytes count against maxWriteBytes).
   */
  mounts?: readonly MountGrant[];
  /**
   * `--persist FILE|DIR`: keep the guest's filesystem (the image plus what runs changed; mounts
   * excluded) in FILE (or DIR/layer.boxer) and start the next run of the same box from it. Without
   * it nothing a run writes outlives it. A store made by another box is refused.
   */
  persist?: string;
  /**
   * `--allow-kv=bucket[:FILE]`: wasi:keyvalue buckets a component may open, by name. `bucket` is
   * empty at the start of each run and dropped with it; `bucket:FILE` is loaded from FILE (JSON,
   * see node/kv-adapter.ts) and saved back to it, whole, when the run ends. A bucket holds at most
   * the run's maxWriteBytes (keys plus values, at most 64 MiB) and maxWriteBytes/256 keys. Other
   * names get `access-denied`; each open is audited (`kv.open`). @default none
   */
  kv?: readonly string[];
}

export type MountGrant =
  | { type?: 'bind'; source: string; target: string; readonly?: boolean }
  | { type: 'tmpfs'; target: string };

/**
 * Parses docker's `-v HOST:GUEST[:OPTIONS]` (options: `ro`, `rw`, comma-separated). Throws RangeError
 * naming the problem. The host path is returned as given (the caller resolves a relative one).
 */
export function parseVolume(spec: string): MountGrant {
  const parts = spec.split(':');
  if (parts.length < 2 || parts.length > 3 || parts[0] === '' || parts[1] === '') throw new RangeError(`-v ${spec}: expected HOST:GUEST or HOST:GUEST:ro`);
  const [source, target, options = ''] = parts as [string, string, string?];
  if (!source.includes('/') && source !== '.' && source !== '..') throw new RangeError(`-v ${spec}: "${source}" would be a named volume, which boxer does not have; give a host directory (e.g. ./${source})`);
  let readonly = false;
  for (const o of options.split(',').filter((x) => x !== '')) {
    if (o === 'ro' || o === 'readonly') readonly = true;
    else if (o === 'rw') readonly = false;
    else throw new RangeError(`-v ${spec}: unknown option "${o}" (boxer knows ro and rw)`);
  }
  return { source, target, readonly };
}

/**
 * Parses docker's `--mount type=bind,source=…,target=…[,readonly]` or `--mount type=tmpfs,target=…`
 * (keys as docker spells them: src/source, dst/destination/target, ro/readonly[=true|false]).
 */
export function parseMount(spec: string): MountGrant {
  const fields = new Map<string, string | undefined>();
  for (const part of spec.split(',')) {
    const eq = part.indexOf('=');
    const key = (eq < 0 ? part : part.slice(0, eq)).trim().toLowerCase();
    if (key === '') continue;
    fields.set(key, eq < 0 ? undefined : part.slice(eq + 1));
  }
  const take = (...keys: string[]): string | undefined => {
    for (const k of keys) if (fields.has(k)) { const v = fields.get(k); fields.delete(k); return v ?? ''; }
    return undefined;
  };
  const type = take('type') ?? 'volume';
  const target = take('target', 'dst', 'destination');
  if (!target) throw new RangeError(`--mount ${spec}: target= is required`);
  if (type === 'tmpfs') {
    if (fields.size > 0) throw new RangeError(`--mount ${spec}: ${[...fields.keys()].join(', ')} not supported for tmpfs (its bytes count against --max-write)`);
    return { type: 'tmpfs', target };
  }
  if (type !== 'bind') throw new RangeError(`--mount ${spec}: type=${type} is not supported (boxer has type=bind and type=tmpfs)`);
  const source = take('source', 'src');
  if (!source) throw new RangeError(`--mount ${spec}: source= is required for type=bind`);
  const ro = take('readonly', 'ro');
  if (ro !== undefined && !['', 'true', '1', 'false', '0'].includes(ro)) throw new RangeError(`--mount ${spec}: readonly=${ro} must be true or false`);
  if (fields.size > 0) throw new RangeError(`--mount ${spec}: ${[...fields.keys()].join(', ')} not supported (boxer knows type, source, target, readonly)`);
  return { source, target, readonly: ro !== undefined && ro !== 'false' && ro !== '0' };
}

/** Throws RangeError for a mount target that is not an absolute guest path other than `/`. */
export function checkMountTarget(target: string): void {
  if (!target.startsWith('/') || target.replace(/\/+$/, '') === '' || target.includes('\0')) throw new RangeError(`mount target ${JSON.stringify(target)} must be an absolute path other than /`);
  if (target.split('/').some((c) => c === '..' || c === '.')) throw new RangeError(`mount target ${JSON.stringify(target)} must not hold . or .. components`);
}

/** Throws RangeError for a grant the host cannot honour (an env name that is empty or holds `=` or NUL). */
export function checkGrants(grants: Grants): void {
  if (grants.net !== undefined && grants.net !== true) {
    if (!Array.isArray(grants.net)) throw new RangeError('grants.net must be true or a list of hosts');
    parseNetGrant(grants.net);
  }
  if (grants.denyNet !== undefined) {
    if (!Array.isArray(grants.denyNet)) throw new RangeError('grants.denyNet must be a list of hosts');
    parseNetGrant(grants.denyNet);
  }
  for (const p of grants.publish ?? []) parsePublish(p);
  if (grants.kv !== undefined) {
    if (!Array.isArray(grants.kv)) throw new RangeError('grants.kv must be a list of buckets (bucket or bucket:FILE)');
    parseKvGrant(grants.kv);
  }
  for (const m of grants.mounts ?? []) {
    checkMountTarget(m.target);
    if (m.type !== 'tmpfs' && (typeof m.source !== 'string' || m.source === '')) throw new RangeError(`mount at ${m.target}: source must be a host directory`);
  }
  const names = [...(Array.isArray(grants.env) ? grants.env : []), ...(grants.denyEnv ?? [])];
  if (grants.env !== undefined && grants.env !== true && !Array.isArray(grants.env)) throw new RangeError('grants.env must be true or a list of variable names');
  for (const n of names) {
    if (typeof n !== 'string' || !isEnvName(n)) throw new RangeError(`${JSON.stringify(n)} is not an environment variable name (it must be non-empty and hold no "=" or NUL)`);
  }
}

export function isEnvName(name: string): boolean {
  return name.length > 0 && !name.includes('=') && !name.includes('\0');
}

/**
 * Decides, for every host variable, whether the guest gets it. Records: an `allow` for each one
 * passed, a `deny` for each one a `denyEnv` name matched; a variable that no grant names is simply
 * not passed and not recorded (deny by default is silent, as nothing asked for it).
 */
export function decideEnv(grants: Grants, host: Readonly<Record<string, string | undefined>>): { env: Record<string, string>; events: AuditEvent[] } {
  const env: Record<string, string> = {};
  const events: AuditEvent[] = [];
  const deny = new Set(grants.denyEnv ?? []);
  const allowAll = grants.env === true;
  const allow = new Set(Array.isArray(grants.env) ? grants.env : []);
  if (grants.env === undefined && deny.size === 0) return { env, events };
  for (const name of Object.keys(host).sort()) {
    const value = host[name];
    if (value === undefined || !isEnvName(name)) continue;
    if (deny.has(name)) events.push({ op: 'env.read', resource: name, decision: 'deny', grant: `--deny-env=${name}` });
    else if (allowAll || allow.has(name)) {
      env[name] = value;
      events.push({ op: 'env.read', resource: name, decision: 'allow', grant: allowAll ? '--allow-env' : `--allow-env=${name}` });
    }
  }
  return { env, events };
}
