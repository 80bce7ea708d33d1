/* Forced into every Lua source file (-include) for wasm32-wasi: what wasi-libc lacks that Lua's
   io/os libraries use. Lua's error handling is its own setjmp/longjmp (wasi-libc's libsetjmp:
   Wasm exception handling), except where kiln_host_throw.h replaces it. */
/* no tmpnam in wasi-libc: os.tmpname reports failure */
#define LUA_TMPNAMBUFSIZE 32
#define lua_tmpnam(b,e) { (b)[0] = '\0'; (e) = 1; }
