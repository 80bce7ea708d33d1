# Sourced by bench/startup and bench/compile-scale: builds the SQLite shell from the amalgamation that the
# npm package sqlite3 ships (deps/sqlite-autoconf-*.tar.gz, fetched with npm pack; never committed).
#   sqlite_build DIR          # DIR/sqlite3.wasm (clang-16 --target=wasm32-wasi) unless it exists
#   sqlite_build DIR native   # and DIR/sqlite3-native (clang-16, for this machine)
sqlite_npm_version=6.0.1
sqlite_flags=(-DSQLITE_THREADSAFE=0 -DSQLITE_OMIT_LOAD_EXTENSION -DSQLITE_NOHAVE_SYSTEM -DSQLITE_OMIT_POPEN -w)

sqlite_build() {
  local work=$1 native=${2:-}
  if [ -f "$work/sqlite3.wasm" ] && { [ -z "$native" ] || [ -f "$work/sqlite3-native" ]; }; then
    return 0
  fi
  mkdir -p "$work"
  (cd "$work" && rm -rf npm && mkdir npm && cd npm && npm pack --silent "sqlite3@$sqlite_npm_version" >/dev/null \
    && tar xzf sqlite3-*.tgz && tar xzf package/deps/sqlite-autoconf-*.tar.gz)
  local src
  src=$(ls -d "$work"/npm/sqlite-autoconf-*)
  # The shell's fileio extension calls chmod and realpath, which WASI preview1 lacks: stubbed out.
  clang-16 --target=wasm32-wasi --sysroot=/usr -O2 "${sqlite_flags[@]}" -D_WASI_EMULATED_SIGNAL \
    -D_WASI_EMULATED_PROCESS_CLOCKS -D_WASI_EMULATED_GETPID '-Dchmod(p,m)=0' '-Drealpath(p,b)=((char*)0)' \
    -o "$work/sqlite3.wasm" "$src/shell.c" "$src/sqlite3.c" \
    -lwasi-emulated-signal -lwasi-emulated-process-clocks -lwasi-emulated-getpid
  if [ -n "$native" ]; then
    clang-16 -O2 "${sqlite_flags[@]}" -o "$work/sqlite3-native" "$src/shell.c" "$src/sqlite3.c" -lm
  fi
}
