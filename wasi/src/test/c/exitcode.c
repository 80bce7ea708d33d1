/* exitcode MODE N: leaves with status N by returning from main ("return"), calling exit ("exit",
   after unflushed output and an atexit handler) or _Exit ("_exit", no flushing of stdio). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void bye(void) { printf("atexit handler ran\n"); }

int main(int argc, char **argv) {
    if (argc != 3) { fprintf(stderr, "usage: exitcode return|exit|_exit N\n"); return 2; }
    int n = atoi(argv[2]);
    atexit(bye);
    printf("leaving with %d via %s", n, argv[1]);
    if (!strcmp(argv[1], "exit")) exit(n);
    if (!strcmp(argv[1], "_exit")) { fflush(stdout); _Exit(n); }
    printf("\n");
    return n;
}
