// check() against BuildKit's own lint tests. Every case below is a Dockerfile from
// moby/buildkit frontend/dockerfile/dockerfile_lint_test.go @ 641a8fd3 (the test function is named in
// each case) with the warnings BuildKit expects there: rule name, line and the exact Detail text.
// Windows-only variants are left out; `busybox`/`alpine` stand for integration.UnixOrWindows(...).
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { CHECK_RULES, check, parse, toStages, type CheckOptions } from '../src/index.js';

interface Case {
  name: string;
  dockerfile: string;
  options?: CheckOptions;
  /** [rule, line, detail] in BuildKit's order (line, then detail). */
  warnings: [string, number, string][];
  /** Expected error codes (e.g. DOCKERFILE_CHECK_FAILED for error=true). */
  errors?: string[];
}

const FROM_AS = "'as' and 'FROM' keywords' casing do not match";
const multiple = (i: string, line: number): [string, number, string] => ['MultipleInstructionsDisallowed', line, `Multiple ${i} instructions should not be used in the same stage because only the last one will be used`];
const secret = (i: string, key: string, line: number): [string, number, string] => ['SecretsUsedInArgOrEnv', line, `Do not use ARG or ENV instructions for sensitive data (${i} "${key}")`];

const CASES: Case[] = [
  // testRuleCheckOption
  { name: 'check=skip=all', dockerfile: '#check=skip=all\nFROM scratch as base\ncopy Dockerfile .\n', warnings: [] },
  { name: 'check=skip=all;error=true', dockerfile: '#check=skip=all;error=true\nFROM scratch as base\ncopy Dockerfile .\n', warnings: [] },
  { name: 'check=skip two rules', dockerfile: '#check=skip=ConsistentInstructionCasing,FromAsCasing\nFROM scratch as base\ncopy Dockerfile .\n', warnings: [] },
  { name: 'check=skip two rules;error=true', dockerfile: '#check=skip=ConsistentInstructionCasing,FromAsCasing;error=true\nFROM scratch as base\ncopy Dockerfile .\n', warnings: [] },
  { name: 'check=skip one rule', dockerfile: '#check=skip=ConsistentInstructionCasing\nFROM scratch as base\ncopy Dockerfile .\n', warnings: [['FromAsCasing', 2, FROM_AS]] },
  {
    name: 'check=skip one rule;error=true fails',
    dockerfile: '#check=skip=ConsistentInstructionCasing;error=true\nFROM scratch as base\ncopy Dockerfile .\n',
    warnings: [['FromAsCasing', 2, FROM_AS]],
    errors: ['DOCKERFILE_CHECK_FAILED'],
  },
  {
    name: 'BUILDKIT_DOCKERFILE_CHECK replaces the directive',
    dockerfile: '#check=skip=all\nFROM scratch as base\ncopy Dockerfile .\n',
    options: { config: 'skip=ConsistentInstructionCasing;error=true' },
    warnings: [['FromAsCasing', 2, FROM_AS]],
    errors: ['DOCKERFILE_CHECK_FAILED'],
  },
  { name: 'BUILDKIT_DOCKERFILE_CHECK=skip=all', dockerfile: '#check=error=true\nFROM scratch as base\ncopy Dockerfile .\n', options: { config: 'skip=all' }, warnings: [] },
  // testStageName
  {
    name: 'StageNameCasing and FromAsCasing',
    dockerfile: '\n# warning: stage name should be lowercase\n#\nFROM scratch AS BadStageName\n\n# warning: \'as\' should match \'FROM\' cmd casing.\n#\nFROM scratch as base2\n\nFROM scratch AS base3\n',
    warnings: [['StageNameCasing', 4, "Stage name 'BadStageName' should be lowercase"], ['FromAsCasing', 8, FROM_AS]],
  },
  { name: 'FromAsCasing with lower-case from', dockerfile: "\n# warning: 'AS' should match 'from' cmd casing.\n#\nfrom scratch AS base\n\nfrom scratch as base2\n", warnings: [['FromAsCasing', 4, "'AS' and 'from' keywords' casing do not match"]] },
  // testNoEmptyContinuation
  {
    name: 'NoEmptyContinuation',
    dockerfile: '\nFROM scratch\n# warning: empty continuation line\nCOPY Dockerfile \\\n\n.\nCOPY Dockerfile \\\n.\n',
    warnings: [['NoEmptyContinuation', 6, 'Empty continuation line']],
  },
  // testConsistentInstructionCasing
  { name: 'casing: From', dockerfile: "\n# warning: 'FROM' should be either lowercased or uppercased\n#\nFrom scratch as base\nFROM scratch AS base2\n", warnings: [['ConsistentInstructionCasing', 4, "Command 'From' should match the case of the command majority (uppercase)"]] },
  { name: 'casing: copy among upper', dockerfile: "\nFROM scratch\n# warning: 'copy' should match command majority's casing (uppercase)\ncopy Dockerfile /foo\nCOPY Dockerfile /bar\n", warnings: [['ConsistentInstructionCasing', 4, "Command 'copy' should match the case of the command majority (uppercase)"]] },
  { name: 'casing: frOM', dockerfile: "\n# warning: 'frOM' should be either lowercased or uppercased\n#\nfrOM scratch as base\nfrom scratch as base2\n", warnings: [['ConsistentInstructionCasing', 4, "Command 'frOM' should match the case of the command majority (lowercase)"]] },
  { name: 'casing: COPY among lower', dockerfile: "\nfrom scratch\n# warning: 'COPY' should match command majority's casing (lowercase)\nCOPY Dockerfile /foo\ncopy Dockerfile /bar\n", warnings: [['ConsistentInstructionCasing', 4, "Command 'COPY' should match the case of the command majority (lowercase)"]] },
  { name: 'casing: from among upper', dockerfile: "\n# warning: 'from' should match command majority's casing (uppercase)\n#\nfrom scratch\nCOPY Dockerfile /foo\nCOPY Dockerfile /bar\nCOPY Dockerfile /baz\n", warnings: [['ConsistentInstructionCasing', 4, "Command 'from' should match the case of the command majority (uppercase)"]] },
  { name: 'casing: FROM among lower', dockerfile: "\n# warning: 'FROM' should match command majority's casing (lowercase)\n#\nFROM scratch\ncopy Dockerfile /foo\ncopy Dockerfile /bar\ncopy Dockerfile /baz\n", warnings: [['ConsistentInstructionCasing', 4, "Command 'FROM' should match the case of the command majority (lowercase)"]] },
  { name: 'casing: all lower', dockerfile: '\nfrom scratch\ncopy Dockerfile /foo\ncopy Dockerfile /bar\n', warnings: [] },
  { name: 'casing: all upper', dockerfile: '\nFROM scratch\nCOPY Dockerfile /foo\nCOPY Dockerfile /bar\n', warnings: [] },
  { name: 'casing: heredoc body is not an instruction', dockerfile: "\nFROM alpine\nRUN <<'EOT'\nenv\nEOT\n", warnings: [] },
  // testDuplicateStageName
  { name: 'DuplicateStageName', dockerfile: '\nFROM scratch AS b\nFROM scratch AS b\n', warnings: [['DuplicateStageName', 3, 'Duplicate stage name "b", stage names should be unique']] },
  { name: 'unique stage names', dockerfile: '\nFROM scratch AS b1\nFROM scratch AS b2\n', warnings: [] },
  // testReservedStageName
  {
    name: 'ReservedStageName',
    dockerfile: '\nFROM scratch AS scratch\nFROM scratch AS context\n',
    warnings: [['ReservedStageName', 2, 'Stage name should not use the same name as reserved stage "scratch"'], ['ReservedStageName', 3, 'Stage name should not use the same name as reserved stage "context"']],
  },
  { name: 'reserved name as base only', dockerfile: '\nFROM scratch\nFROM scratch AS a\n', warnings: [] },
  // testJSONArgsRecommended
  { name: 'JSONArgsRecommended CMD', dockerfile: '\nFROM scratch\nCMD mycommand\n', warnings: [['JSONArgsRecommended', 3, 'JSON arguments recommended for CMD to prevent unintended behavior related to OS signals']] },
  { name: 'JSONArgsRecommended ENTRYPOINT', dockerfile: '\nFROM scratch\nENTRYPOINT mycommand\n', warnings: [['JSONArgsRecommended', 3, 'JSON arguments recommended for ENTRYPOINT to prevent unintended behavior related to OS signals']] },
  { name: 'SHELL set: CMD', dockerfile: '\nFROM scratch\nSHELL ["/usr/bin/customshell"]\nCMD mycommand\n', warnings: [] },
  { name: 'SHELL set: ENTRYPOINT', dockerfile: '\nFROM scratch\nSHELL ["/usr/bin/customshell"]\nENTRYPOINT mycommand\n', warnings: [] },
  { name: 'SHELL inherited: CMD', dockerfile: '\nFROM scratch AS base\nSHELL ["/usr/bin/customshell"]\n\nFROM base\nCMD mycommand\n', warnings: [] },
  { name: 'SHELL inherited: ENTRYPOINT', dockerfile: '\nFROM scratch AS base\nSHELL ["/usr/bin/customshell"]\n\nFROM base\nENTRYPOINT mycommand\n', warnings: [] },
  // testMaintainerDeprecated
  { name: 'MaintainerDeprecated', dockerfile: '\nFROM scratch\nMAINTAINER me@example.org\n', warnings: [['MaintainerDeprecated', 3, 'Maintainer instruction is deprecated in favor of using label']] },
  { name: 'authors label', dockerfile: '\nFROM scratch\nLABEL org.opencontainers.image.authors="me@example.org"\n', warnings: [] },
  // testWarningsBeforeError
  {
    name: 'warnings before an error',
    dockerfile: '\nFROM scratch AS BadStageName\nMAINTAINER me@example.org\nBADCMD\n',
    warnings: [['StageNameCasing', 2, "Stage name 'BadStageName' should be lowercase"], ['MaintainerDeprecated', 3, 'Maintainer instruction is deprecated in favor of using label']],
    errors: ['DOCKERFILE_UNKNOWN_INSTRUCTION'],
  },
  // testUndeclaredArg
  { name: 'declared global ARG', dockerfile: '\nARG base=scratch\nFROM $base\nCOPY Dockerfile .\n', warnings: [] },
  { name: 'redeclared BUILDPLATFORM', dockerfile: '\nARG BUILDPLATFORM=linux/amd64\nFROM --platform=$BUILDPLATFORM scratch\nCOPY Dockerfile .\n', warnings: [] },
  { name: 'automatic BUILDPLATFORM', dockerfile: '\nFROM --platform=$BUILDPLATFORM scratch\nCOPY Dockerfile .\n', warnings: [] },
  { name: 'declared ARG without value', dockerfile: '\nARG DEBUG\nFROM scratch${DEBUG}\nCOPY Dockerfile .\n', warnings: [] },
  { name: 'declared ARG with :-', dockerfile: '\nARG DEBUG\nFROM scra${DEBUG:-tch}\nCOPY Dockerfile .\n', warnings: [] },
  { name: 'declared empty ARG with -', dockerfile: '\nARG DEBUG=""\nFROM scratch${DEBUG-@bogus}\nCOPY Dockerfile .\n', warnings: [] },
  { name: 'UndefinedArgInFrom in --platform', dockerfile: '\nFROM --platform=$BULIDPLATFORM scratch\nCOPY Dockerfile .\n', warnings: [['UndefinedArgInFrom', 2, "FROM argument 'BULIDPLATFORM' is not declared (did you mean BUILDPLATFORM?)"]] },
  {
    name: 'UndefinedArgInFrom with suggestion',
    dockerfile: '\nARG MY_OS=linux\nARG MY_ARCH=amd64\nFROM --platform=linux/${MYARCH} busybox\nCOPY Dockerfile .\n\t',
    warnings: [['UndefinedArgInFrom', 4, "FROM argument 'MYARCH' is not declared (did you mean MY_ARCH?)"]],
  },
  { name: 'UndefinedArgInFrom in the image', dockerfile: '\nARG tag=latest\nFROM busybox:${tag}${version} AS b\nCOPY Dockerfile .\n', warnings: [['UndefinedArgInFrom', 3, "FROM argument 'version' is not declared"]] },
  // testWorkdirRelativePath
  { name: 'WorkdirRelativePath', dockerfile: '\nFROM scratch\nWORKDIR app/\n', warnings: [['WorkdirRelativePath', 3, 'Relative workdir "app/" can have unexpected results if the base image changes']] },
  { name: 'absolute WORKDIR in the base stage', dockerfile: '\nFROM scratch AS a\nWORKDIR /app\n\nFROM a AS b\nWORKDIR subdir/\n', warnings: [] },
  // testUnmatchedVars
  { name: 'ARG without value', dockerfile: '\nFROM scratch\nARG foo\nCOPY Dockerfile${foo} .\n', warnings: [] },
  { name: 'ARG from the base stage', dockerfile: '\nFROM alpine AS base\nARG foo=Dockerfile\n\nFROM base\nCOPY $foo .\n', warnings: [] },
  { name: 'RUN is not expanded', dockerfile: '\nFROM alpine\nRUN echo $PATH\n', warnings: [] },
  { name: 'UndefinedVar before its ARG', dockerfile: '\nFROM alpine\nCOPY $foo .\nARG foo=bar\nRUN echo $foo\n', warnings: [['UndefinedVar', 3, "Usage of undefined variable '$foo'"]] },
  {
    name: 'UndefinedVar with suggestion',
    dockerfile: '\nFROM alpine\nARG DIR_BINARIES=binaries/\nARG DIR_ASSETS=assets/\nARG DIR_CONFIG=config/\nCOPY $DIR_ASSET .\n\t',
    warnings: [['UndefinedVar', 6, "Usage of undefined variable '$DIR_ASSET' (did you mean $DIR_ASSETS?)"]],
  },
  { name: 'UndefinedVar suggests PATH', dockerfile: '\nFROM alpine\nENV PATH=$PAHT:/tmp/bin\n\t\t', warnings: [['UndefinedVar', 3, "Usage of undefined variable '$PAHT' (did you mean $PATH?)"]] },
  // testAllTargetUnmarshal (lint without a target checks every stage)
  {
    name: 'every stage is checked',
    dockerfile: '\nFROM scratch AS first\nCOPY $foo .\n\nFROM scratch AS second\nCOPY $bar .\n',
    warnings: [['UndefinedVar', 3, "Usage of undefined variable '$foo'"], ['UndefinedVar', 6, "Usage of undefined variable '$bar'"]],
  },
  // testMultipleInstructionsDisallowed
  {
    name: 'MultipleInstructionsDisallowed',
    dockerfile: '\nFROM scratch\nENTRYPOINT ["/myapp"]\nENTRYPOINT ["/myotherapp"]\nCMD ["/myapp"]\nCMD ["/myotherapp"]\nHEALTHCHECK CMD ["/myapp"]\nHEALTHCHECK CMD ["/myotherapp"]\n',
    warnings: [multiple('ENTRYPOINT', 3), multiple('CMD', 5), multiple('HEALTHCHECK', 7)],
  },
  {
    name: 'MultipleInstructionsDisallowed across a heredoc',
    dockerfile: '\nFROM scratch\nENTRYPOINT ["/myapp"]\nCMD ["/myapp"]\nHEALTHCHECK CMD ["/myapp"]\nCOPY <<EOF /a.txt\nHello, World!\nEOF\nENTRYPOINT ["/myotherapp"]\nCMD ["/myotherapp"]\nHEALTHCHECK CMD ["/myotherapp"]\n',
    warnings: [multiple('ENTRYPOINT', 3), multiple('CMD', 4), multiple('HEALTHCHECK', 5)],
  },
  { name: 'one of each per stage', dockerfile: '\nFROM scratch AS a\nENTRYPOINT ["/myapp"]\nCMD ["/myapp"]\nHEALTHCHECK CMD ["/myapp"]\n\nFROM a AS b\nENTRYPOINT ["/myotherapp"]\nCMD ["/myotherapp"]\nHEALTHCHECK CMD ["/myotherapp"]\n', warnings: [] },
  // testLegacyKeyValueFormat
  {
    name: 'LegacyKeyValueFormat',
    dockerfile: '\nFROM scratch\nENV testkey value\nLABEL key value\n',
    warnings: [['LegacyKeyValueFormat', 3, '"ENV key=value" should be used instead of legacy "ENV key value" format'], ['LegacyKeyValueFormat', 4, '"LABEL key=value" should be used instead of legacy "LABEL key value" format']],
  },
  { name: 'key=value', dockerfile: '\nFROM scratch\nENV testkey=value\nLABEL key=value\n', warnings: [] },
  {
    name: 'LegacyKeyValueFormat in an unreachable stage (lint checks all)',
    dockerfile: '\nFROM scratch AS a\n\nFROM a AS b\nENV testkey value\nLABEL key value\n\nFROM a AS c\n',
    warnings: [['LegacyKeyValueFormat', 5, '"ENV key=value" should be used instead of legacy "ENV key value" format'], ['LegacyKeyValueFormat', 6, '"LABEL key=value" should be used instead of legacy "LABEL key value" format']],
  },
  // testRedundantTargetPlatform
  { name: 'RedundantTargetPlatform $', dockerfile: '\nFROM --platform=$TARGETPLATFORM scratch\n', warnings: [['RedundantTargetPlatform', 2, 'Setting platform to predefined $TARGETPLATFORM in FROM is redundant as this is the default behavior']] },
  { name: 'RedundantTargetPlatform ${}', dockerfile: '\nFROM --platform=${TARGETPLATFORM} scratch\n', warnings: [['RedundantTargetPlatform', 2, 'Setting platform to predefined ${TARGETPLATFORM} in FROM is redundant as this is the default behavior']] },
  // testSecretsUsedInArgOrEnv
  {
    name: 'SecretsUsedInArgOrEnv',
    dockerfile: '\nFROM scratch\nARG SECRET_PASSPHRASE\nENV SUPER_Secret=foo\nENV password=bar secret=baz\nARG super_duper_secret_token=foo auth=bar\nENV apikey=bar sunflower=foo\nENV git_key=\nENV PUBLIC_KEY=\nARG public_token\n',
    warnings: [secret('ARG', 'SECRET_PASSPHRASE', 3), secret('ENV', 'SUPER_Secret', 4), secret('ENV', 'password', 5), secret('ENV', 'secret', 5), secret('ARG', 'auth', 6), secret('ARG', 'super_duper_secret_token', 6), secret('ENV', 'apikey', 7), secret('ENV', 'git_key', 8)],
  },
  // testInvalidDefaultArgInFrom
  { name: 'InvalidDefaultArgInFrom: empty tag', dockerfile: '\nARG VERSION\nFROM busybox:$VERSION\n', options: { buildArgs: { VERSION: 'latest' } }, warnings: [['InvalidDefaultArgInFrom', 3, 'Default value for ARG busybox:$VERSION results in empty or invalid base image name']] },
  { name: 'InvalidDefaultArgInFrom: empty image', dockerfile: '\nARG IMAGE\nFROM $IMAGE\n', options: { buildArgs: { IMAGE: 'busybox:latest' } }, warnings: [['InvalidDefaultArgInFrom', 3, 'Default value for ARG $IMAGE results in empty or invalid base image name']] },
  { name: 'InvalidDefaultArgInFrom: dangling colon', dockerfile: '\nARG SFX="box:"\nFROM busy${SFX}\n', options: { buildArgs: { SFX: 'box:latest' } }, warnings: [['InvalidDefaultArgInFrom', 3, 'Default value for ARG busy${SFX} results in empty or invalid base image name']] },
  { name: 'valid default tag', dockerfile: '\nARG VERSION="latest"\nFROM busybox:${VERSION}\n', options: { buildArgs: { VERSION: 'latest' } }, warnings: [] },
  { name: 'empty default suffix', dockerfile: '\nARG BUSYBOX_VARIANT=""\nFROM busybox:stable${BUSYBOX_VARIANT}\n', options: { buildArgs: { BUSYBOX_VARIANT: '-musl' } }, warnings: [] },
  { name: 'unset default suffix', dockerfile: '\n\tARG BUSYBOX_VARIANT\n\tFROM busybox:stable${BUSYBOX_VARIANT}\n\t', options: { buildArgs: { BUSYBOX_VARIANT: '-musl' } }, warnings: [] },
  // testFromPlatformFlagConstDisallowed
  { name: 'FromPlatformFlagConstDisallowed', dockerfile: '\nFROM --platform=linux/amd64 scratch\n', warnings: [['FromPlatformFlagConstDisallowed', 2, 'FROM --platform flag should not use constant value "linux/amd64"']] },
  { name: 'stage named after the arch', dockerfile: '\nFROM --platform=linux/amd64 scratch AS my_amd64_stage\n', warnings: [] },
  { name: 'stage named after the os', dockerfile: '\nFROM --platform=linux/amd64 scratch AS linux\n', warnings: [] },
  // testDefinitionDescription (experimental)
  {
    name: 'InvalidDefinitionDescription: good comments',
    dockerfile: '# check=experimental=InvalidDefinitionDescription\n# foo this is the foo\nARG foo=bar\n\n# base this is the base image\nFROM scratch AS base\n\n# version this is the version number\nARG version=latest\n\n# baz this is the baz\nARG foo=baz bar=qux baz=quux\n#\nARG bit=bat\n\n# comment for something other than ARG or FROM\nCOPY Dockerfile .\n',
    warnings: [],
  },
  {
    name: 'InvalidDefinitionDescription: bad comments',
    dockerfile: '# check=experimental=InvalidDefinitionDescription\n# bar this is the bar\nARG foo=bar\n# BasE this is the BasE image\nFROM scratch AS base\n# definitely a bad comment\nARG version=latest\n# definitely a bad comment\nARG foo=baz bar=qux baz=quux\n',
    warnings: [
      ['InvalidDefinitionDescription', 3, 'Comment for ARG should follow the format: `# foo <description>`'],
      ['InvalidDefinitionDescription', 5, 'Comment for FROM should follow the format: `# base <description>`'],
      ['InvalidDefinitionDescription', 7, 'Comment for ARG should follow the format: `# version <description>`'],
      ['InvalidDefinitionDescription', 9, 'Comment for ARG should follow the format: `# <arg_key> <description>`'],
    ],
  },
  { name: 'experimental rules are off by default', dockerfile: '# bar this is the bar\nARG foo=bar\nFROM scratch\n', warnings: [] },
];

describe('check(): BuildKit dockerfile_lint_test.go', () => {
  it('covers the required rules', () => {
    const rules = new Set(CASES.flatMap((c) => c.warnings.map((w) => w[0])));
    for (const r of ['JSONArgsRecommended', 'StageNameCasing', 'FromAsCasing', 'DuplicateStageName', 'ReservedStageName', 'UndefinedVar', 'UndefinedArgInFrom', 'MaintainerDeprecated', 'ConsistentInstructionCasing', 'WorkdirRelativePath', 'SecretsUsedInArgOrEnv', 'MultipleInstructionsDisallowed', 'InvalidDefaultArgInFrom', 'LegacyKeyValueFormat']) {
      expect(rules, r).toContain(r);
    }
  });

  it.each(CASES)('$name', (c) => {
    const r = check(c.dockerfile, c.options);
    expect(r.warnings.map((w) => [w.rule, w.location?.line, w.message])).toEqual(c.warnings);
    expect(r.errors.map((e) => e.code)).toEqual(c.errors ?? []);
    for (const w of r.warnings) {
      const rule = CHECK_RULES.find((x) => x.name === w.rule)!;
      expect(w.code).toBe(rule.code);
      expect(w.ruleUrl).toBe(rule.url);
      expect(w.description).toBe(rule.description);
      expect(w.url).toBe(`docs/diagnostics/${w.code}.md`);
      expect(w.severity).toBe('warning');
    }
  });
});

describe('fixtures/check', () => {
  // Each fixtures/check/<case>/Dockerfile must give exactly the warnings of its expected.json (the CLI
  // tests for `boxer check` read the same files).
  const root = fileURLToPath(new URL('../../../fixtures/check/', import.meta.url));
  const dirs = readdirSync(root, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name);
  it.each(dirs)('%s', (name) => {
    const spec = JSON.parse(readFileSync(join(root, name, 'expected.json'), 'utf8')) as { warnings: { rule: string; code: string; line: number; message: string }[] };
    const r = check(readFileSync(join(root, name, 'Dockerfile'), 'utf8'), { file: `${name}/Dockerfile` });
    expect(r.warnings.map((w) => ({ rule: w.rule, code: w.code, line: w.location?.line, message: w.message }))).toEqual(spec.warnings);
    expect(r.errors).toEqual([]);
  });
});

describe('check(): behaviour read from BuildKit source (not from its lint tests)', () => {
  const rules = (text: string, options?: CheckOptions) => check(text, options).warnings.map((w) => `${w.rule}@${w.location?.line}`);

  it('PATH is always set, and ENV reads the value before it sets it (convert.go "make sure PATH is always set", dispatchEnv)', () => {
    expect(rules('FROM alpine\nENV PATH=$PATH:/x\nENV A=$A\n')).toEqual(['UndefinedVar@3']);
  });
  it('every lookup counts, defaults included (lex.go getEnv records unset names; TestProcessWithMatches)', () => {
    expect(rules('FROM alpine\nCOPY ${X:-default} /\nARG Y\nCOPY ${Y:-d} /\n')).toEqual(['UndefinedVar@2']);
  });
  it('global ARGs are only visible in FROM unless redeclared (docs: ARG and FROM interact)', () => {
    expect(rules('ARG X=1\nFROM scratch\nCOPY $X /\nARG X\nCOPY $X /\n')).toEqual(['UndefinedVar@3']);
  });
  it('RUN --mount values and expandable heredoc bodies are expanded (commands_runmount.go, ExpandRaw)', () => {
    expect(rules("FROM alpine\nRUN --mount=type=cache,target=$CACHE make\nCOPY <<EOF /f\n$NOPE\nEOF\nCOPY <<'EOF' /g\n$NOPE\nEOF\n")).toEqual(['UndefinedVar@2', 'UndefinedVar@3']);
  });
  it('EXPOSE: protocol casing and host mappings (convert_expose.go parsePort)', () => {
    expect(check('FROM alpine\nEXPOSE 80/TCP 127.0.0.1:80:80 5000:5000 443/udp\n').warnings.map((w) => [w.rule, w.message])).toEqual([
      ['ExposeProtoCasing', "Defined protocol '80/TCP' in EXPOSE instruction should be lowercase"],
      ['ExposeInvalidFormat', "EXPOSE instruction should not define an IP address or host-port mapping, found '127.0.0.1:80:80'"],
      ['ExposeInvalidFormat', "EXPOSE instruction should not define an IP address or host-port mapping, found '5000:5000'"],
    ]);
  });
  it('ONBUILD triggers of a base stage are checked where they run (initOnBuildTriggers: the FROM line)', () => {
    expect(rules('FROM alpine AS base\nONBUILD COPY $MISSING /\nFROM base\n')).toEqual(['UndefinedVar@3']);
  });
  it('experimental rules ignore skip=all (linter.go Run checks experimental before skip)', () => {
    expect(rules('# check=skip=all;experimental=InvalidDefinitionDescription\n# wrong\nARG a=1\nFROM scratch AS X\n')).toEqual(['InvalidDefinitionDescription@3']);
  });
  it('a malformed check configuration is an error and nothing is checked (newRuleLinter)', () => {
    const r = check('# check=skip\nFROM scratch as x\n');
    expect(r.warnings).toEqual([]);
    expect(r.errors.map((e) => [e.code, e.location?.line])).toEqual([['DOCKERFILE_INVALID_CHECK_DIRECTIVE', 1]]);
    expect(check('FROM scratch as x\n', { config: 'bogus=1' }).errors.map((e) => e.code)).toEqual(['DOCKERFILE_INVALID_CHECK_DIRECTIVE']);
  });
  it('the env of an external base image, when the caller knows it', () => {
    expect(rules('FROM node\nENV P=$NODE_VERSION\n')).toEqual(['UndefinedVar@2']);
    expect(rules('FROM node\nENV P=$NODE_VERSION\n', { baseImageEnv: (i) => (i === 'node' ? ['NODE_VERSION=22'] : undefined) })).toEqual([]);
  });
  it('takes a parsed AST as well as text', () => {
    const text = 'FROM scratch as x\nMAINTAINER me\n';
    expect(check(parse(text).ast).warnings).toEqual(check(text).warnings);
  });
  it('toStages honors # check=skip for the checks it reports itself', () => {
    const { ast } = parse('# check=skip=MaintainerDeprecated\nFROM scratch\nMAINTAINER me\nENV A 1\n');
    expect(toStages(ast).diagnostics.map((d) => d.code)).toEqual(['DOCKERFILE_LEGACY_KEY_VALUE']);
  });
});

describe('docs/diagnostics pages of the build checks', () => {
  // Each rule's page shows an example Dockerfile and the warning line boxer prints for it; keep them true.
  const docs = fileURLToPath(new URL('../../../docs/diagnostics/', import.meta.url));
  it.each(CHECK_RULES.map((r) => [r.name, r.code] as const))('%s (%s)', (_rule, code) => {
    const page = readFileSync(join(docs, `${code}.md`), 'utf8');
    const dockerfile = /```dockerfile\n([\s\S]*?)```/.exec(page)![1]!;
    const printed = new RegExp(`^Dockerfile:(\\d+):\\d+: warning ${code}: (.*)$`, 'm').exec(page)!;
    const warnings = check(dockerfile, { config: 'experimental=all' }).warnings.filter((w) => w.code === code);
    expect(warnings.map((w) => [w.location?.line, w.message])).toContainEqual([Number(printed[1]), printed[2]]);
  });
});
