/* The start-up harness's hello world (bench/startup): one line on stdout through WASI fd_write. */
#include <stdio.h>

int main(void) {
    puts("hello, world");
    return 0;
}
