/* The host side of kiln_host_throw.h's protected calls (our code; Lua itself is unmodified):
   - kiln_call: the protected call the host makes for kiln.try: f(L, ud) through the function table;
   - kiln_main: the module is a reactor (so kiln_call is exported without the constructor and
     destructor wrapper wasm-ld puts around a command's exports); the embedder calls _initialize,
     then kiln_main, which runs main with WASI's arguments and exits with its status. */
#include <stdlib.h>

typedef void (*Pfunc)(void *L, void *ud);
__attribute__((export_name("kiln_call"))) void kiln_call(Pfunc f, void *L, void *ud) { f(L, ud); }

int __main_void(void);
__attribute__((export_name("kiln_main"))) void kiln_main(void) { exit(__main_void()); }
