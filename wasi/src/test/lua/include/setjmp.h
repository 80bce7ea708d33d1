/* empty: Lua built with kiln_host_throw.h throws through the host, not with setjmp/longjmp */
