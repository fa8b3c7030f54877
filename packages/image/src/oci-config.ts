// Maps an OCI image config (image-spec config.md; Docker's image JSON has the same `config` object)
// onto the ImageConfig a stage starts from. In: the parsed config blob. Out: ImageConfig with only
// well-typed fields kept; a field of the wrong type is dropped rather than trusted.
import type { ImageConfig } from './config.js';

/** The parts of an OCI image config blob boxer reads. */
export interface OciImageConfig {
  architecture?: string;
  os?: string;
  variant?: string;
  created?: string;
  config?: Record<string, unknown>;
  rootfs?: { type?: string; diff_ids?: string[] };
  history?: unknown[];
  [key: string]: unknown;
}

/** ImageConfig from an OCI image config blob (the whole blob, with its `config` object). */
export function imageConfigFromOci(config: object): ImageConfig {
  const c = (config as OciImageConfig).config;
  const src: Record<string, unknown> = c && typeof c === 'object' && !Array.isArray(c) ? c : {};
  const out: ImageConfig = { Env: strings(src.Env) ?? [], WorkingDir: typeof src.WorkingDir === 'string' ? src.WorkingDir : '' };
  const entrypoint = strings(src.Entrypoint);
  if (entrypoint) out.Entrypoint = entrypoint;
  const cmd = strings(src.Cmd);
  if (cmd) out.Cmd = cmd;
  if (typeof src.User === 'string' && src.User !== '') out.User = src.User;
  const ports = keySet(src.ExposedPorts);
  if (ports) out.ExposedPorts = ports;
  const volumes = keySet(src.Volumes);
  if (volumes) out.Volumes = volumes;
  const labels = stringMap(src.Labels);
  if (labels) out.Labels = labels;
  if (typeof src.StopSignal === 'string' && src.StopSignal !== '') out.StopSignal = src.StopSignal;
  const onBuild = strings(src.OnBuild);
  if (onBuild && onBuild.length) out.OnBuild = onBuild;
  const shell = strings(src.Shell);
  if (shell && shell.length) out.Shell = shell;
  const hc = src.Healthcheck;
  if (hc && typeof hc === 'object' && !Array.isArray(hc)) {
    const h = hc as Record<string, unknown>;
    const health: NonNullable<ImageConfig['Healthcheck']> = {};
    const test = strings(h.Test);
    if (test) health.Test = test;
    for (const k of ['Interval', 'Timeout', 'StartPeriod', 'StartInterval', 'Retries'] as const) if (typeof h[k] === 'number') health[k] = h[k] as number;
    out.Healthcheck = health;
  }
  return out;
}

function strings(v: unknown): string[] | undefined {
  return Array.isArray(v) && v.every((s) => typeof s === 'string') ? [...(v as string[])] : undefined;
}

function keySet(v: unknown): Record<string, Record<string, never>> | undefined {
  if (!v || typeof v !== 'object' || Array.isArray(v)) return undefined;
  const out: Record<string, Record<string, never>> = {};
  for (const k of Object.keys(v).sort()) Object.defineProperty(out, k, { value: {}, enumerable: true, writable: true, configurable: true });
  return Object.keys(out).length ? out : undefined;
}

function stringMap(v: unknown): Record<string, string> | undefined {
  if (!v || typeof v !== 'object' || Array.isArray(v)) return undefined;
  const out: Record<string, string> = {};
  for (const [k, val] of Object.entries(v)) if (typeof val === 'string') Object.defineProperty(out, k, { value: val, enumerable: true, writable: true, configurable: true });
  return Object.keys(out).length ? out : undefined;
}
