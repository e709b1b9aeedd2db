#!/usr/bin/env bash
# scripts/setup.sh build|test|demo|bench|fuzz
#
# Installs what the given target needs and is missing, on Debian 12. It is
# idempotent and prints nothing when nothing is missing. Without root (and
# without sudo) it prints one line per missing package saying what to install.
set -euo pipefail
cd "$(dirname "$0")/.."
target=${1:-build}

say() { printf 'pyframe_rt setup: %s\n' "$*" >&2; }

as_root() {
    if [ "$(id -u)" = 0 ]; then "$@"
    elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then sudo "$@"
    else return 1
    fi
}

apt_updated=0
apt_install() {
    # $@: Debian package names
    export DEBIAN_FRONTEND=noninteractive
    if [ "$apt_updated" = 0 ]; then
        say "installing $* (Debian packages)"
        as_root apt-get update -qq >/dev/null || {
            say "missing $*: run 'sudo apt-get install $*' and try again"; exit 1; }
        apt_updated=1
    else
        say "installing $* (Debian packages)"
    fi
    as_root apt-get install -y -qq --no-install-recommends "$@" >/dev/null || {
        say "could not install $*: run 'sudo apt-get install $*' and try again"; exit 1; }
}

missing=()
need_cmd() { command -v "$1" >/dev/null 2>&1 || missing+=("$2"); }
need_file() { [ -e "$1" ] || missing+=("$2"); }

# What every target needs: a C toolchain, Node.js and the wasm toolchain.
need_cmd make make
need_cmd gcc gcc
need_cmd g++ g++
need_cmd node nodejs
need_cmd npm npm
need_cmd emcc emscripten
need_cmd wasm-opt binaryen
need_cmd gzip gzip
need_cmd dpkg-source dpkg-dev   # unpacks and patches Debian's cJSON source
need_cmd python3 python3         # emscripten and node-gyp need it

case "$target" in
    test|fuzz)
        need_file /usr/src/googletest/googletest/src/gtest-all.cc googletest
        need_cmd chromium chromium
        need_cmd clang clang
        # libFuzzer and the sanitizer runtimes of clang 14 (make fuzz / test-fuzz)
        compgen -G "/usr/lib/llvm-14/lib/clang/*/lib/linux/libclang_rt.fuzzer-*.a" >/dev/null || missing+=(libclang-rt-14-dev)
        ;;
    bench)
        need_cmd chromium chromium
        ;;
esac

if [ ${#missing[@]} -gt 0 ]; then
    # Deduplicate while keeping order.
    mapfile -t missing < <(printf '%s\n' "${missing[@]}" | awk '!seen[$0]++')
    apt_install "${missing[@]}"
fi

# cJSON: built from Debian's source package (with Debian's security patches),
# for wasm and for the native tests. Never committed.
if [ ! -f build/deps/cjson/cJSON.c ]; then
    src_list=/etc/apt/sources.list.d/pyframe-rt-src.sources
    if ! grep -rqs '^Types:.*deb-src\|^deb-src' /etc/apt/sources.list /etc/apt/sources.list.d/; then
        say "adding Debian source entries ($src_list) to fetch cJSON's source"
        as_root tee "$src_list" >/dev/null <<'SRC' || { say "cannot add deb-src entries: add one for bookworm main and rerun"; exit 1; }
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb-src
URIs: http://deb.debian.org/debian-security
Suites: bookworm-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
        as_root apt-get update -qq >/dev/null
    fi
    say "fetching cJSON source (apt-get source cjson)"
    tmp=$(mktemp -d)
    ( cd "$tmp" && apt-get source -qq cjson >/dev/null 2>&1 ) || {
        as_root apt-get update -qq >/dev/null
        ( cd "$tmp" && apt-get source -qq cjson >/dev/null 2>&1 ) || {
            say "could not fetch cJSON's source with 'apt-get source cjson'"; rm -rf "$tmp"; exit 1; }
    }
    dir=$(find "$tmp" -maxdepth 1 -type d -name 'cjson-*' | head -n 1)
    mkdir -p build/deps/cjson
    cp "$dir/cJSON.c" "$dir/cJSON.h" "$dir/LICENSE" build/deps/cjson/
    ( cd "$tmp" && ls *.dsc ) > build/deps/cjson/SOURCE
    rm -rf "$tmp"
fi

# npm packages, from the committed lock file.
if [ ! -f node_modules/.pf-installed ] || [ package-lock.json -nt node_modules/.pf-installed ]; then
    say "installing npm packages (npm ci)"
    npm ci --no-audit --no-fund --loglevel=error >/dev/null
    touch node_modules/.pf-installed
fi
