// The image configuration a stage starts from and a box records: the `config` object of the OCI image
// spec (image-spec config.md), with the same field names so that pulled images (issue 5) map onto it
// one to one.

export interface HealthConfig {
  Test?: string[];
  Interval?: number;
  Timeout?: number;
  StartPeriod?: number;
  StartInterval?: number;
  Retries?: number;
}

export interface ImageConfig {
  /** `KEY=value` entries in order of definition; later ones replace earlier ones with the same key. */
  Env: string[];
  Entrypoint?: string[];
  Cmd?: string[];
  /** Absolute directory; empty means `/`. */
  WorkingDir: string;
  User?: string;
  /** Keys like `80/tcp`. */
  ExposedPorts?: Record<string, Record<string, never>>;
  Volumes?: Record<string, Record<string, never>>;
  Labels?: Record<string, string>;
  StopSignal?: string;
  Healthcheck?: HealthConfig;
  /** The shell used for shell-form instructions (SHELL); Docker's default is `["/bin/sh","-c"]`. */
  Shell?: string[];
  OnBuild?: string[];
}

/** The config of `FROM scratch`. Docker gives scratch a default PATH (see moby's `ImageConfig` defaults). */
export function emptyConfig(): ImageConfig {
  return { Env: [], WorkingDir: '' };
}

/** Looks up `name` in an `Env` list. */
export function getEnv(env: readonly string[], name: string): string | undefined {
  for (let i = env.length - 1; i >= 0; i--) {
    const e = env[i]!;
    const eq = e.indexOf('=');
    if ((eq === -1 ? e : e.slice(0, eq)) === name) return eq === -1 ? '' : e.slice(eq + 1);
  }
  return undefined;
}

/** Sets `name=value` in an `Env` list, replacing an existing entry in place (Docker keeps the position). */
export function setEnv(env: string[], name: string, value: string): void {
  const i = env.findIndex((e) => e === name || e.startsWith(`${name}=`));
  if (i === -1) env.push(`${name}=${value}`);
  else env[i] = `${name}=${value}`;
}
