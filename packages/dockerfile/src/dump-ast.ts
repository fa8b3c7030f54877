// formatAst(): the AST in BuildKit's own dump format (parser.Node.Dump, the `result` files of
// moby/buildkit frontend/dockerfile/parser/testfiles), so golden cases can be compared with BuildKit's
// expected output byte for byte. In: a DockerfileAst. Out: one `(keyword "arg" ...)` line per instruction.
// The per-keyword argument splitting follows parser/line_parsers.go (Apache-2.0).
import type { DockerfileAst, DockerfileNode } from './ast.js';
import { goQuote } from './go-quote.js';
import { parseJSON, parseNameVal, parseStringsWhitespaceDelimited, parseWords } from './line-parsers.js';
import { isSpace } from './shell/chars.js';

/** An argument node: a plain value, or (ONBUILD) a nested instruction. */
type Arg = string | { child: DockerfileNode };

function maybeJSONToList(rest: string): Arg[] {
  const j = parseJSON(rest);
  if (j.kind === 'json') return j.args;
  return parseStringsWhitespaceDelimited(rest);
}

function maybeJSON(rest: string): Arg[] {
  if (rest === '') return [];
  const j = parseJSON(rest);
  return j.kind === 'json' ? j.args : [rest];
}

/** The `Next` chain BuildKit's line parser builds for a keyword. */
function nodeArgs(node: DockerfileNode, escapeToken: string): Arg[] {
  const rest = node.args;
  switch (node.keyword) {
    case 'add':
    case 'copy':
    case 'volume':
      return maybeJSONToList(rest);
    case 'cmd':
    case 'entrypoint':
    case 'run':
    case 'shell':
      return maybeJSON(rest);
    case 'arg':
      return parseWords(rest, escapeToken);
    case 'env':
    case 'label': {
      const r = parseNameVal(rest, escapeToken);
      if (!r.ok) return [];
      // NOTE: newKeyValueNode(key, value, sep): the separator is "=" or, for the legacy form, "".
      return r.pairs.flatMap((p) => [p.key, p.value, p.legacy ? '' : '=']);
    }
    case 'expose':
    case 'from':
      return parseStringsWhitespaceDelimited(rest);
    case 'healthcheck': {
      let sep = 0;
      while (sep < rest.length && !isSpace(rest[sep]!)) sep++;
      let next = sep;
      while (next < rest.length && isSpace(rest[next]!)) next++;
      if (sep === 0) return [];
      return [rest.slice(0, sep), ...maybeJSON(rest.slice(next))];
    }
    case 'maintainer':
    case 'stopsignal':
    case 'user':
    case 'workdir':
      return rest === '' ? [] : [rest];
    case 'onbuild':
      return node.child && rest !== '' ? [{ child: node.child }] : [];
    default:
      return ['']; // parseIgnore: one empty node
  }
}

function dumpNode(node: DockerfileNode, escapeToken: string): string {
  let str = node.rawKeyword.toLowerCase();
  if (node.flags.length > 0) str += ` [${node.flags.map(goQuote).join(' ')}]`;
  for (const a of nodeArgs(node, escapeToken)) {
    str += ' ' + (typeof a === 'string' ? goQuote(a) : `(${dumpNode(a.child, escapeToken)})`);
  }
  return str.trim();
}

/** The AST as BuildKit's `ast.Dump()` prints it (one `(...)` line per instruction, ending in "\n"). */
export function formatAst(ast: DockerfileAst): string {
  return ast.nodes.map((n) => `(${dumpNode(n, ast.escapeToken)})\n`).join('');
}
