/* wc for kiln run's tests: counts lines, words and bytes of each file argument (relative to a
   preopened directory) and of stdin when there is none; the exit status is the number of files
   that could not be opened. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

static void count(FILE *f, const char *name) {
    long lines = 0, words = 0, bytes = 0;
    int c, in = 0;
    while ((c = getc(f)) != EOF) {
        bytes++;
        if (c == '\n') lines++;
        if (isspace(c)) in = 0;
        else if (!in) { in = 1; words++; }
    }
    printf("%7ld %7ld %7ld %s\n", lines, words, bytes, name);
}

int main(int argc, char **argv) {
    int failed = 0;
    if (argc < 2) count(stdin, "-");
    for (int i = 1; i < argc; i++) {
        FILE *f = fopen(argv[i], "r");
        if (!f) {
            fprintf(stderr, "wc: %s: %s\n", argv[i], errno == ENOENT ? "no such file" : "cannot open");
            failed++;
            continue;
        }
        count(f, argv[i]);
        fclose(f);
    }
    return failed;
}
