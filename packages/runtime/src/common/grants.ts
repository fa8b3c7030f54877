// Grants: what a run may take from its host (DESIGN §5; deny by default). The same shape drives the
// CLI flags and the JS API; later grants (mounts, net, …) are added as further fields.
// In: the grants and the host's variables (names/values, read by the host's env adapter). Out: the
// variables the guest gets and one audit event per decision. Isomorphic: reads no host state itself.
import type { AuditEvent } from './audit.js';

export interface Grants {
  /**
   * `--allow-env[=A,B]`: host environment variables passed to the guest. `true` passes every one
   * (Deno's `--allow-env`), a list passes those names (when the host has them). They override the
   * image's Env; `-e` (`RunBoxOptions.env`) overrides both. @default none
   */
  env?: true | readonly string[];
  /** `--deny-env=A,B`: names never passed, whatever `env` allows (deny wins). */
  denyEnv?: readonly string[];
}

/** Throws RangeError for a grant the host cannot honour (an env name that is empty or holds `=` or NUL). */
export function checkGrants(grants: Grants): void {
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
