// A WASI reactor (clang -mexec-model=reactor): its constructor runs from _initialize, which the
// host must call once before any other export.
#include <stdlib.h>
#include <string.h>

static int constructed;
static char *greeting;

__attribute__((constructor)) static void construct(void) {
    constructed = 6 * 7;
    greeting = strdup("built by a constructor");   // malloc: libc must be initialised too
}

__attribute__((export_name("constructed"))) int get_constructed(void) {
    return greeting != NULL && strlen(greeting) == 22 ? constructed : -1;
}
