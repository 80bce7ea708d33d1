/* Forced into every Lua source file (-include), after kiln_lua.h, where Lua cannot use setjmp/longjmp:
   on Kiln's AArch64 backend, which does not compile Wasm exception handling yet (and with a
   wasi-libc without setjmp.h: include/setjmp.h is an empty stand-in). Lua's protected calls go
   through the host. LUAI_TRY (used only in luaD_rawrunprotected, whose locals are f and ud) asks the
   host to call f(L, ud) through the exported kiln_call and to catch a throw; LUAI_THROW has the host
   throw a Java exception that unwinds the Wasm frames to that call. The host restores __stack_pointer. */
__attribute__((import_module("kiln"), import_name("try"))) int kiln_try(void *f, void *L, void *ud);
__attribute__((import_module("kiln"), import_name("throw"))) _Noreturn void kiln_throw(void);
#define LUAI_THROW(L,c) kiln_throw()
#define LUAI_TRY(L,c,a) kiln_try((void *)f, (void *)(L), ud)
#define luai_jmpbuf int
