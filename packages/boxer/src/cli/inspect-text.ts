// Human-readable `boxer inspect`.
import { printable } from '@boxer/diagnostics';
import type { InspectResult } from '../api/inspect.js';

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
  lines.push(`limits:      memory ${m.limits.memoryBytes} B, fds ${m.limits.maxFds}, output ${m.limits.maxOutputBytes} B, writes ${m.limits.maxWriteBytes} B, timeout ${m.limits.timeoutMs || 'none'}`);
  lines.push('files:');
  for (const f of r.files) {
    const detail = f.type === 'file' ? `${String(f.size).padStart(9)}  ${f.digest!.slice(0, 19)}` : f.type === 'dir' ? `${''.padStart(9)}  ` : `${''.padStart(9)}  -> ${f.target}`;
    lines.push(`  ${f.mode} ${String(f.uid).padStart(4)}:${String(f.gid).padEnd(4)} ${f.type.padEnd(8)} ${detail}  ${f.path}${f.step ? `  (line ${f.step.line})` : ''}`);
  }
  // NOTE: every string above comes from an untrusted box: control characters are escaped per line.
  return `${lines.map(printable).join('\n')}\n`;
}
