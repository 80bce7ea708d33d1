/* Kiln's port glue for Lua 5.4 on wasm32-wasi (our code; Lua itself is unmodified): stubs for what
   wasi-libc lacks and Lua's io/os libraries call. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

FILE *tmpfile(void) { errno = ENOTSUP; return NULL; }
int system(const char *command) { return command ? -1 : 0; }
