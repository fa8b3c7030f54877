// `boxer check`: prints every build-check warning and error of a Dockerfile (file:line:col, code,
// BuildKit's rule and message), or JSON with --json; exits 1 when there is any.
import type { Command } from 'commander';
import { formatDiagnostic, type Diagnostic } from '@boxer/diagnostics';
import { check } from '../api/check.js';

export function registerCheck(program: Command, io: { stdout: NodeJS.WritableStream }, color: boolean, setExit: (code: number) => void, parseArgs: (values: string[]) => Record<string, string>): void {
  program
    .command('check')
    .description("lint a Dockerfile with BuildKit's build checks, without building")
    .argument('[context]', 'build context directory', '.')
    .option('-f, --file <path>', 'Dockerfile (default: <context>/Dockerfile)')
    .option('--build-arg <KEY=VALUE>', 'set a build-time variable (repeatable)', (v: string, a: string[]) => [...a, v], [] as string[])
    .option('--json', 'print the result as JSON')
    .action(async (context: string, opts: { file?: string; buildArg: string[]; json?: boolean }) => {
      const r = await check({ context, ...(opts.file !== undefined ? { file: opts.file } : {}), buildArgs: parseArgs(opts.buildArg) });
      const all: Diagnostic[] = [...r.errors, ...r.warnings].sort((a, b) => (a.location?.line ?? 0) - (b.location?.line ?? 0));
      if (opts.json) {
        const strip = ({ cause: _c, ...d }: Diagnostic) => d;
        io.stdout.write(`${JSON.stringify({ file: r.file, errors: r.errors.map(strip), warnings: r.warnings.map(strip) }, null, 2)}\n`);
      } else {
        for (const d of all) io.stdout.write(`${formatDiagnostic(d, { color })}\n`);
        io.stdout.write(`${r.file}: ${r.warnings.length} warning${r.warnings.length === 1 ? '' : 's'}, ${r.errors.length} error${r.errors.length === 1 ? '' : 's'}\n`);
      }
      setExit(all.length > 0 ? 1 : 0);
    });
}
