#!/usr/bin/env bash
# Builds the C fixtures in fixtures/wasm/src/*.c into fixtures/wasm/<name>.wasm (committed, so tests
# need no compiler). In: the C sources and Debian's clang-19 + wasi-libc (scripts/setup-system.sh
# installs them). Out: one stripped wasm32-wasi command module per source, byte-identical on every
# run (fixed flags, no paths or build ids in the output, SOURCE_DATE_EPOCH pinned).
#
# Usage: scripts/build-fixtures.sh [--check]
#   --check  rebuild into a temp dir and fail if any committed .wasm differs (CI drift guard).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
src="$root/fixtures/wasm/src"
out="$root/fixtures/wasm"
CC="${CC_WASI:-clang-19}"

if ! command -v "$CC" >/dev/null 2>&1; then
  echo "build-fixtures: $CC not found; run scripts/setup-system.sh" >&2
  exit 1
fi

check=0
if [[ "${1:-}" == "--check" ]]; then
  check=1
  dest="$(mktemp -d)"
  trap 'rm -rf "$dest"' EXIT
else
  dest="$out"
fi

export SOURCE_DATE_EPOCH=0 LC_ALL=C TZ=UTC
# NOTE: clang runs `wasm-opt` after linking when one is on PATH, and npm puts binaryen's in
# node_modules/.bin; a fixed system PATH keeps the output the same from a shell and from `npm test`.
export PATH=/usr/bin:/bin
# NOTE: the sources are compiled from inside $src with relative names, and -ffile-prefix-map maps
# any remaining absolute path, so no checkout path can reach the output. --strip-all drops the name
# and producers sections; -Wl,--no-entry is not used: these are commands with _start.
flags=(--target=wasm32-wasi --sysroot=/usr -O2 -Wall -Werror -std=c11 -D_GNU_SOURCE
       "-ffile-prefix-map=$src=." -fno-ident -Wl,--strip-all)

cd "$src"
status=0
for c in *.c; do
  name="${c%.c}"
  "$CC" "${flags[@]}" "$c" -o "$dest/$name.wasm.tmp"
  mv -f "$dest/$name.wasm.tmp" "$dest/$name.wasm"
  if (( check )); then
    if ! cmp -s "$dest/$name.wasm" "$out/$name.wasm"; then
      echo "build-fixtures: fixtures/wasm/$name.wasm is stale; run scripts/build-fixtures.sh" >&2
      status=1
    fi
  else
    echo "fixtures/wasm/$name.wasm $(wc -c <"$dest/$name.wasm") bytes"
  fi
done
exit $status
