#!/usr/bin/env bash
# Builds the C fixtures in fixtures/wasm/src/*.c into fixtures/wasm/<name>.wasm (committed, so tests
# need no compiler). In: the C sources and Debian's clang-19 + wasi-libc (scripts/setup-system.sh
# installs them). Out: one stripped wasm32-wasi command module per source, byte-identical on every
# run (fixed flags, no paths or build ids in the output, SOURCE_DATE_EPOCH pinned). Then some of
# those modules are wrapped into preview2 command components with jco's preview1 adapter
# (scripts/build-component-fixtures.mjs): fixtures/components/<name>.component.wasm, byte-stable too.
#
# Usage: scripts/build-fixtures.sh [--check]
#   --check  rebuild into a temp dir and fail if any committed .wasm differs (CI drift guard).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
src="$root/fixtures/wasm/src"
out="$root/fixtures/wasm"
CC="${CC_WASI:-clang-19}"
NODE="$(command -v node || true)"

if ! command -v "$CC" >/dev/null 2>&1; then
  echo "build-fixtures: $CC not found; run scripts/setup-system.sh" >&2
  exit 1
fi

check=0
# Modules built for the component fixtures (with -DCONF_COMPONENT), before they are wrapped.
cmod="$(mktemp -d)"
if [[ "${1:-}" == "--check" ]]; then
  check=1
  dest="$(mktemp -d)"
  trap 'rm -rf "$dest" "$cmod"' EXIT
else
  dest="$out"
  trap 'rm -rf "$cmod"' EXIT
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

if [[ -z "$NODE" ]]; then
  echo "build-fixtures: node not found (it wraps the component fixtures)" >&2
  exit 1
fi

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

# The preview2 component fixtures: the same sources built again with -DCONF_COMPONENT (the
# conformance programs leave out their out-of-memory pointer probes there, see conf.h), then wrapped
# with jco's preview1 adapter by scripts/build-component-fixtures.mjs.
component_fixtures=(clocks conf_dir conf_fd conf_large conf_misc conf_path conf_poll escape lsdir mountescape readdir writeread)
components="$root/fixtures/components"
for name in "${component_fixtures[@]}"; do
  "$CC" "${flags[@]}" -DCONF_COMPONENT "$name.c" -o "$cmod/$name.wasm"
done
cdest="$components"
if (( check )); then cdest="$dest/components"; fi
(cd "$root" && "$NODE" scripts/build-component-fixtures.mjs "$cmod" "$cdest" "${component_fixtures[@]}")
for name in "${component_fixtures[@]}"; do
  f="$cdest/$name.component.wasm"
  if (( check )); then
    if ! cmp -s "$f" "$components/$name.component.wasm"; then
      echo "build-fixtures: fixtures/components/$name.component.wasm is stale; run scripts/build-fixtures.sh" >&2
      status=1
    fi
  else
    echo "fixtures/components/$name.component.wasm $(wc -c <"$f") bytes"
  fi
done
exit $status
