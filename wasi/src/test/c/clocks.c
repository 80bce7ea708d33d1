/* Clocks and sleeping: prints properties that hold on any correct platform, not times. */
#include <stdio.h>
#include <time.h>
#include <unistd.h>

static long long ns(struct timespec t) { return t.tv_sec * 1000000000LL + t.tv_nsec; }

int main(void) {
    struct timespec a, b, r;
    printf("realtime res ok %d\n", clock_getres(CLOCK_REALTIME, &r) == 0 && ns(r) > 0 && ns(r) <= 1000000);
    printf("monotonic res ok %d\n", clock_getres(CLOCK_MONOTONIC, &r) == 0 && ns(r) > 0 && ns(r) <= 1000000);
    clock_gettime(CLOCK_REALTIME, &a);
    time_t t = time(NULL);
    printf("realtime matches time() %d\n", a.tv_sec - t <= 1 && t - a.tv_sec <= 1);
    printf("after 2020 %d\n", t > 1577836800);
    clock_gettime(CLOCK_MONOTONIC, &a);
    struct timespec d = {0, 30 * 1000000};
    nanosleep(&d, NULL);
    clock_gettime(CLOCK_MONOTONIC, &b);
    long long slept = ns(b) - ns(a);
    printf("nanosleep 30ms slept enough %d not too much %d\n", slept >= 30000000LL, slept < 5000000000LL);
    clock_gettime(CLOCK_MONOTONIC, &a);
    usleep(20000);
    clock_gettime(CLOCK_MONOTONIC, &b);
    printf("usleep 20ms ok %d\n", ns(b) - ns(a) >= 20000000LL);
    long long prev = 0;
    int monotonic = 1;
    for (int i = 0; i < 100000; i++) {
        clock_gettime(CLOCK_MONOTONIC, &a);
        if (ns(a) < prev) monotonic = 0;
        prev = ns(a);
    }
    printf("monotonic never goes back %d\n", monotonic);
    struct timespec c0, c1;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c0);
    volatile double x = 0;
    for (int i = 0; i < 20000000; i++) x += i * 0.5;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c1);
    printf("cpu clock advances %d\n", ns(c1) > ns(c0));
    struct tm tm;
    time_t fixed = 1700000000;
    gmtime_r(&fixed, &tm);
    char buf[64];
    strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S %a", &tm);
    printf("gmtime %s\n", buf);
    return 0;
}
