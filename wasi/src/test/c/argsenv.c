/* Prints its arguments (not argv[0], which names the program differently per platform), its
   environment sorted, and what it reads from stdin, reversed line by line. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern char **environ;

static int cmp(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

int main(int argc, char **argv) {
    printf("argc %d\n", argc);
    for (int i = 1; i < argc; i++) printf("argv[%d] = \"%s\" (%zu bytes)\n", i, argv[i], strlen(argv[i]));
    int n = 0;
    while (environ[n]) n++;
    char **env = malloc(sizeof(char *) * (n + 1));
    memcpy(env, environ, sizeof(char *) * n);
    qsort(env, n, sizeof env[0], cmp);
    printf("environ %d\n", n);
    for (int i = 0; i < n; i++) printf("  %s\n", env[i]);
    const char *home = getenv("HOME");
    printf("HOME %s\n", home ? home : "(unset)");
    printf("MISSING %s\n", getenv("KILN_MISSING") ? "set" : "(unset)");
    char line[256];
    int lines = 0;
    while (fgets(line, sizeof line, stdin)) {
        size_t len = strcspn(line, "\n");
        printf("stdin %d: ", ++lines);
        for (size_t i = len; i > 0; i--) putchar(line[i - 1]);
        putchar('\n');
    }
    printf("stdin lines %d\n", lines);
    return 0;
}
