#!/usr/bin/env bash
# Installs the system packages boxer's builds and tests need, idempotently. In: nothing (Debian
# bookworm with apt). Out: the packages below present; nothing is touched when they already are.
# `apt-get update` runs at most once, and only when something is missing. Works as root, or through
# sudo otherwise. Later issues add packages to the lists below.
#
#   clang-19, lld-19, libclang-rt-19-dev-wasm32, wasi-libc  build fixtures/wasm/*.wasm (build-fixtures.sh)
#   gcc, libc6-dev                                          build the same C natively (gcc -static) as the tests' reference
#   zstd, strace                                            @boxer/layers tests: zstd bombs, no host writes (strace)
#   docker-registry, skopeo, umoci, openssl                 @boxer/registry tests: a real registry on 127.0.0.1 (token auth
#                                                           cert by openssl), images written and read by other tools
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive

# package name -> command that proves it is installed ("" = check with dpkg only)
packages=(
  "clang-19:clang-19"
  "lld-19:wasm-ld-19"
  "libclang-rt-19-dev-wasm32:"
  "wasi-libc:"
  "gcc:gcc"
  "libc6-dev:"
  "docker-registry:docker-registry"
  "skopeo:skopeo"
  "umoci:umoci"
  "openssl:openssl"
  "zstd:zstd"
  "strace:strace"
)

sudo_cmd=()
if [[ "$(id -u)" != 0 ]]; then
  if command -v sudo >/dev/null 2>&1; then
    sudo_cmd=(sudo)
  else
    echo "setup-system: not root and sudo is missing; install as root: ${packages[*]%%:*}" >&2
    exit 1
  fi
fi

installed() {
  dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q '^install ok installed$'
}

missing=()
for entry in "${packages[@]}"; do
  pkg="${entry%%:*}"
  cmd="${entry#*:}"
  if [[ -n "$cmd" ]] && ! command -v "$cmd" >/dev/null 2>&1; then
    missing+=("$pkg")
  elif ! installed "$pkg"; then
    missing+=("$pkg")
  fi
done

if (( ${#missing[@]} == 0 )); then
  echo "setup-system: all present"
  exit 0
fi

echo "setup-system: installing ${missing[*]}"
"${sudo_cmd[@]}" apt-get update
"${sudo_cmd[@]}" apt-get install -y --no-install-recommends "${missing[@]}"
