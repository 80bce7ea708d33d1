#!/usr/bin/env bash
# Compiles every kernel (*.c beside this script) with the same clang:
#   <out>/<kernel>.wasm      wasm32-wasi reactor module without WASI imports, exporting run(i32)->i32
#   <out>/<kernel>.simd.wasm the same with -msimd128: clang's loop vectorizer emits Wasm SIMD (128-bit),
#                            and vector-extension types become v128 (the native build below already
#                            vectorizes with SSE2 at -O2, so it is the baseline of both)
#   <out>/lib<kernel>.so     native x86-64 shared library exporting run, the baseline (called through FFM)
#   <out>/aarch64/lib<kernel>.so  the same for AArch64 Linux, the baseline of `bench/report --aarch64-emulated`;
#                            needs Debian's libc6-dev-arm64-cross (headers only: the library links without
#                            libc and takes malloc, free and libm's functions from the JVM process that loads
#                            it); without it, <out>/aarch64/UNAVAILABLE says so
# Usage: build.sh OUT_DIR. Looks for clang-16 (Debian's), or $KILN_CLANG. When there is no usable
# clang, writes OUT_DIR/UNAVAILABLE with the reason and exits 0, so the build goes on and the
# benchmarks and tests that need the kernels skip with that message.
# Install on Debian 12: apt-get install -y clang-16 lld-16 wasi-libc libclang-rt-16-dev-wasm32
set -uo pipefail
src="$(cd "$(dirname "$0")" && pwd)"
out="${1:?usage: build.sh OUT_DIR}"
mkdir -p "$out"
rm -f "$out/UNAVAILABLE"

unavailable() {
  echo "kiln-bench: kernels not built: $*" >&2
  printf '%s\n' "$*" > "$out/UNAVAILABLE"
  exit 0
}

cc="${KILN_CLANG:-}"
if [ -z "$cc" ]; then
  for c in clang-16 clang; do command -v "$c" >/dev/null 2>&1 && { cc="$c"; break; }; done
fi
if [ -n "$cc" ] && ! command -v "$cc" >/dev/null 2>&1; then
  unavailable "clang \"$cc\" (from KILN_CLANG) is not installed"
fi
[ -n "$cc" ] || unavailable "no clang found (install Debian's clang-16 lld-16 wasi-libc libclang-rt-16-dev-wasm32, or set KILN_CLANG)"
sysroot="${KILN_WASI_SYSROOT:-/usr}"

wasm_flags=(--target=wasm32-wasi --sysroot="$sysroot" -O2 -nostartfiles
            -Wl,--no-entry -Wl,--export=run -Wl,--strip-all)
native_flags=(-O2 -fPIC -shared)

probe="$out/.probe.c"
echo 'int run(int n) { return n; }' > "$probe"
if ! err=$("$cc" "${wasm_flags[@]}" -o "$out/.probe.wasm" "$probe" 2>&1); then
  unavailable "$cc cannot build wasm32-wasi modules (need lld-16, wasi-libc, libclang-rt-16-dev-wasm32): $(echo "$err" | head -3)"
fi
rm -f "$probe" "$out/.probe.wasm"

# whether $1 is missing or older than the kernel's source, kernel.h or this script
stale() { [ "$c" -nt "$1" ] || [ "$src/kernel.h" -nt "$1" ] || [ "$0" -nt "$1" ]; }

failed=0
for c in "$src"/*.c; do
  k=$(basename "$c" .c)
  # a kernel may ask for Wasm features beyond clang's defaults in a comment line
  # " * kiln-bench-wasm-flags: -mtail-call"; wasm-opt, which clang runs after linking, learns them from
  # the target_features section, which --strip-all would remove, so such a kernel (and every SIMD
  # build) strips debug info only
  extra=$(sed -n 's/^ \* kiln-bench-wasm-flags: //p' "$c")
  flags=("${wasm_flags[@]}")
  if [ -n "$extra" ]; then
    flags=("${flags[@]/-Wl,--strip-all/-Wl,--strip-debug}")
    read -ra more <<< "$extra"
    flags+=("${more[@]}")
  fi
  if stale "$out/$k.wasm"; then
    "$cc" "${flags[@]}" -o "$out/$k.wasm" "$c" || { echo "kiln-bench: $k.wasm failed" >&2; failed=1; }
  fi
  if stale "$out/$k.simd.wasm"; then
    "$cc" "${flags[@]/-Wl,--strip-all/-Wl,--strip-debug}" -msimd128 -o "$out/$k.simd.wasm" "$c" \
      || { echo "kiln-bench: $k.simd.wasm failed" >&2; failed=1; }
  fi
  if stale "$out/lib$k.so"; then
    "$cc" "${native_flags[@]}" -o "$out/lib$k.so" "$c" -lm || { echo "kiln-bench: lib$k.so failed" >&2; failed=1; }
  fi
done
[ "$failed" = 0 ] || { echo "kiln-bench: some kernels failed to compile" >&2; exit 1; }

# AArch64 baselines (optional: only the emulated AArch64 report uses them)
a64="$out/aarch64"
a64_include=/usr/aarch64-linux-gnu/include
mkdir -p "$a64"
rm -f "$a64/UNAVAILABLE"
a64_flags=(--target=aarch64-linux-gnu -isystem "$a64_include" -O2 -fPIC -shared -nostdlib -fuse-ld=lld)
if [ ! -f "$a64_include/stdlib.h" ]; then
  printf '%s\n' "no AArch64 C headers in $a64_include (apt-get install libc6-dev-arm64-cross)" > "$a64/UNAVAILABLE"
else
  for c in "$src"/*.c; do
    k=$(basename "$c" .c)
    if stale "$a64/lib$k.so"; then
      if ! err=$("$cc" "${a64_flags[@]}" -o "$a64/lib$k.so" "$c" 2>&1); then
        printf 'lib%s.so for AArch64 failed: %s\n' "$k" "$(echo "$err" | head -3)" > "$a64/UNAVAILABLE"
        break
      fi
    fi
  done
fi
"$cc" --version | head -1 > "$out/COMPILER"
ls "$src"/*.c | xargs -n1 basename | sed 's/\.c$//' > "$out/KERNELS"
