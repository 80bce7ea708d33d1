/* empty: Lua on Kiln throws through the host (kiln_lua.h) */
