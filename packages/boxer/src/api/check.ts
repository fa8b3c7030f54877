// check(): BuildKit's build checks over a Dockerfile without building it (`docker build --check`).
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { BoxerError, type Diagnostic } from '@boxer/diagnostics';
import { check as checkDockerfile, type CheckResult } from '@boxer/dockerfile';
import { diagnostics as buildDiagnostics, predefinedArgs } from '@boxer/build';

export interface CheckOptions {
  /** Build context directory (where the Dockerfile is looked for). @default '.' */
  context?: string;
  /** Dockerfile path. @default `<context>/Dockerfile` */
  file?: string;
  buildArgs?: Record<string, string>;
}

export interface DockerfileCheck {
  file: string;
  warnings: CheckResult['warnings'];
  errors: Diagnostic[];
}

export async function check(options: CheckOptions = {}): Promise<DockerfileCheck> {
  const context = resolve(options.context ?? '.');
  const path = options.file !== undefined ? resolve(options.file) : join(context, 'Dockerfile');
  const file = options.file ?? (options.context ? join(options.context, 'Dockerfile') : 'Dockerfile');
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    throw new BoxerError(buildDiagnostics.dockerfileNotFound(file, e));
  }
  const result = checkDockerfile(text, {
    file,
    ...(options.buildArgs ? { buildArgs: options.buildArgs } : {}),
    platformArgs: Object.fromEntries(predefinedArgs()),
  });
  return { file, warnings: result.warnings, errors: result.errors };
}
