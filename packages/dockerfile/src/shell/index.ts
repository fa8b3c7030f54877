// @boxer/dockerfile/shell: only BuildKit's word expansion, for consumers that need no parser
// (e.g. a RUN shell resolving ${VAR:-default} the way the Dockerfile frontend does). Re-exports only.
export { expandWord, expandWords, expandWordWithMatches } from './lex.js';
export type { ExpandOptions, ExpandWithMatchesResult, Lookup } from './lex.js';
