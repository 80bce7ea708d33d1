/* File I/O in the current directory (a preopen under WASI): stdio and POSIX calls, directory
   listings, renames, links, and the errors of the usual mistakes. Prints what it sees. */
#include "common.h"
#include <dirent.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int cmp(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static void list(const char *path) {
    DIR *d = opendir(path);
    if (!d) { printf("opendir %s: %s\n", path, errname(errno)); return; }
    char *names[256];
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) && n < 256) {
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) {
            char *s = malloc(strlen(e->d_name) + 3);
            sprintf(s, "%s%s", e->d_name, e->d_type == DT_DIR ? "/" : e->d_type == DT_LNK ? "@" : "");
            names[n++] = s;
        }
    }
    closedir(d);
    qsort(names, n, sizeof names[0], cmp);
    printf("%s:", path);
    for (int i = 0; i < n; i++) { printf(" %s", names[i]); free(names[i]); }
    printf("\n");
}

int main(void) {
    CHECK(mkdir("work", 0755));
    CHECK(mkdir("work", 0755));
    FILE *f = fopen("work/data.txt", "w");
    if (!f) { printf("fopen: %s\n", errname(errno)); return 1; }
    for (int i = 0; i < 1000; i++) fprintf(f, "line %d: %d\n", i, i * i);
    fclose(f);

    struct stat st;
    CHECK(stat("work/data.txt", &st));
    printf("size %lld regular %d dir %d\n", (long long)st.st_size, S_ISREG(st.st_mode), S_ISDIR(st.st_mode));

    f = fopen("work/data.txt", "r");
    char line[128];
    long sum = 0;
    int lines = 0;
    while (fgets(line, sizeof line, f)) { int a, b; sscanf(line, "line %d: %d", &a, &b); sum += b; lines++; }
    printf("lines %d sum %ld\n", lines, sum);
    fseek(f, -12, SEEK_END);
    long at = ftell(f);
    fgets(line, sizeof line, f);
    printf("tail at %ld: %s", at, line);
    rewind(f);
    fgets(line, sizeof line, f);
    printf("head: %s", line);
    fclose(f);

    int fd = open("work/raw.bin", O_CREAT | O_RDWR | O_TRUNC, 0644);
    unsigned char buf[4096];
    for (int i = 0; i < 4096; i++) buf[i] = (unsigned char)(i * 7);
    printf("write %zd\n", write(fd, buf, sizeof buf));
    printf("lseek %lld\n", (long long)lseek(fd, 100, SEEK_SET));
    unsigned char in[16];
    ssize_t got = read(fd, in, 16);
    printf("read %zd first %d\n", got, in[0]);
    got = pread(fd, in, 1, 4095);
    printf("pread %zd byte %d\n", got, in[0]);
    printf("position after pread %lld\n", (long long)lseek(fd, 0, SEEK_CUR));
    CHECK(ftruncate(fd, 10));
    CHECK(fstat(fd, &st));
    printf("size after truncate %lld\n", (long long)st.st_size);
    CHECK(lseek(fd, 0, SEEK_END));
    close(fd);

    fd = open("work/log.txt", O_CREAT | O_WRONLY | O_APPEND, 0644);
    write(fd, "one\n", 4);
    lseek(fd, 0, SEEK_SET);
    write(fd, "two\n", 4);
    close(fd);
    f = fopen("work/log.txt", "r");
    size_t n = fread(line, 1, sizeof line - 1, f);
    line[n] = 0;
    printf("append: %s", line);
    fclose(f);

    CHECK(rename("work/log.txt", "work/renamed.txt"));
    CHECK(symlink("renamed.txt", "work/link"));
    char target[64];
    ssize_t tl = readlink("work/link", target, sizeof target - 1);
    target[tl < 0 ? 0 : tl] = 0;
    printf("readlink %zd %s\n", tl, target);
    CHECK(lstat("work/link", &st));
    printf("lstat link %d\n", S_ISLNK(st.st_mode));
    CHECK(stat("work/link", &st));
    printf("stat through link size %lld\n", (long long)st.st_size);
    CHECK(link("work/renamed.txt", "work/hard"));
    CHECK(stat("work/hard", &st));
    printf("nlink %ld\n", (long)st.st_nlink);
    CHECK(mkdir("work/sub", 0755));
    list("work");

    CHECK(open("missing.txt", O_RDONLY));
    CHECK(open("work/data.txt/x", O_RDONLY));
    CHECK(open("work/data.txt", O_RDONLY | O_DIRECTORY));
    CHECK(open("work/sub", O_WRONLY));
    CHECK(open("work/data.txt", O_CREAT | O_EXCL | O_WRONLY, 0644));
    CHECK(rmdir("work"));
    CHECK(unlink("work/sub"));
    CHECK(rmdir("work/data.txt"));
    CHECK(lseek(1, 0, SEEK_CUR) < 0 ? -1 : 0);
    CHECK(access("work/data.txt", F_OK));
    CHECK(access("work/nothing", F_OK));

    CHECK(unlink("work/link"));
    CHECK(unlink("work/hard"));
    CHECK(unlink("work/renamed.txt"));
    CHECK(unlink("work/raw.bin"));
    CHECK(rmdir("work/sub"));
    list("work");
    CHECK(unlink("work/data.txt"));
    CHECK(rmdir("work"));
    list(".");
    return 0;
}
