// Human-readable `boxer inspect`.
import { printable } from '@boxer/diagnostics';
import { resolveLimits } from '@boxer/runtime';
import type { InspectResult } from '../api/inspect.js';
import { formatSize } from './units.js';

const size = (n: number): string => { const s = formatSize(n); return /\d$/.test(s) ? `${s} B` : s; };

export function renderInspect(r: InspectResult): string {
  const m = r.manifest;
  const c = m.config;
  const lines: string[] = [];
  lines.push(`box:         ${r.file} (${r.size} bytes, format ${m.formatVersion}, built by boxer ${m.boxer})`);
  lines.push(`snapshot:    ${m.snapshot.digest} (${m.snapshot.files} files, ${m.snapshot.bytes} bytes, ${m.snapshot.dataBytes} stored)`);
  lines.push(`bases:       ${m.bases.map((b) => `${b.ref}${b.digest ? `@${b.digest}` : ''}`).join(', ') || '-'}`);
  lines.push(`entrypoint:  ${c.Entrypoint ? JSON.stringify(c.Entrypoint) : '-'}`);
  lines.push(`cmd:         ${c.Cmd ? JSON.stringify(c.Cmd) : '-'}`);
  lines.push(`workdir:     ${c.WorkingDir || '/'}`);
  if (c.User) lines.push(`user:        ${c.User}`);
  lines.push('env:');
  for (const e of c.Env) lines.push(`  ${e}`);
  if (c.Labels && Object.keys(c.Labels).length) {
    lines.push('labels:');
    for (const [k, v] of Object.entries(c.Labels)) lines.push(`  ${k}=${v}`);
  }
  lines.push(`requested:   ports ${m.requested.ports.join(' ') || '-'}; volumes ${m.requested.volumes.join(' ') || '-'} (granted only with explicit flags)`);
  // NOTE: the values `boxer run` applies when no flag overrides them: the box's requests, with
  // boxer's defaults for what it leaves out, capped at the host's ceilings (a damaged value fails
  // here as it would in a run).
  const l = resolveLimits(m.limits, undefined, r.file);
  lines.push(`limits:      memory ${size(l.memoryBytes)}, fds ${l.maxFds}, output ${size(l.maxOutputBytes)}, writes ${size(l.maxWriteBytes)}, timeout ${l.timeoutMs ? `${l.timeoutMs} ms` : 'none'}`);
  lines.push('             (defaults boxer run enforces; override with --memory, --max-fds, --max-output, --max-write, --timeout)');
  lines.push('files:');
  for (const f of r.files) {
    const detail = f.type === 'file' ? `${String(f.size).padStart(9)}  ${f.digest!.slice(0, 19)}` : f.type === 'dir' ? `${''.padStart(9)}  ` : `${''.padStart(9)}  -> ${f.target}`;
    lines.push(`  ${f.mode} ${String(f.uid).padStart(4)}:${String(f.gid).padEnd(4)} ${f.type.padEnd(8)} ${detail}  ${f.path}${f.step ? `  (line ${f.step.line})` : ''}`);
  }
  // NOTE: every string above comes from an untrusted box: control characters are escaped per line.
  return `${lines.map(printable).join('\n')}\n`;
}
