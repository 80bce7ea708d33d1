/* printf and scanf of floating point, and the correctly rounded operations (the same bits on every
   IEEE 754 platform); transcendental functions printed to 10 digits, where libms agree. */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

/* %a of a subnormal differs between libcs (0x1p-1074 vs 0x0.0000000000001p-1022): print the bits. */
static const char *hex(double d, char *buf) {
    if (fpclassify(d) == FP_SUBNORMAL) {
        union { double d; unsigned long long u; } b = {d};
        sprintf(buf, "subnormal:%llx", b.u);
    } else {
        sprintf(buf, "%a", d);
    }
    return buf;
}

int main(void) {
    double values[] = {0.0, -0.0, 1.0, 0.1, 1.0 / 3.0, 2.0 / 3.0, 1e300, 1e-300, 5e-324, DBL_MAX, DBL_MIN,
                       123456789.125, -2.5, 3.5, 0.5, 1.5, 2.5, 1e21, 1e22, 4.35, 0.15, 9007199254740993.0};
    for (size_t i = 0; i < sizeof values / sizeof values[0]; i++) {
        double v = values[i];
        char h[64];
        printf("%g | %f | %.3f | %e | %.17g | %s | %10.2f|%-10.1e|\n", v, v, v, v, v, hex(v, h), v, v);
    }
    float fv[] = {0.1f, 1.0f / 3.0f, 16777217.0f, FLT_MAX, FLT_MIN, 1e-45f};
    for (size_t i = 0; i < sizeof fv / sizeof fv[0]; i++) {
        char h[64];
        printf("%.9g %s\n", fv[i], hex(fv[i], h));
    }
    printf("%f %f %f %F\n", INFINITY, -INFINITY, NAN, INFINITY);
    const char *inputs[] = {"0.1", "3.14159265358979323846", "1e-400", "1e400", "0x1.8p3", "-0", "2.2250738585072011e-308",
                            "123.456e-2", "nan", "inf", "1.7976931348623157e308"};
    for (size_t i = 0; i < sizeof inputs / sizeof inputs[0]; i++) {
        char *end;
        double d = strtod(inputs[i], &end);
        char h[64];
        printf("strtod(%s) = %.17g [%s] rest '%s'\n", inputs[i], d, hex(d, h), end);
    }
    double acc = 0;
    for (int i = 1; i <= 1000000; i++) acc += 1.0 / ((double)i * i);
    printf("sum 1/i^2 = %.17g\n", acc);
    printf("sqrt2 %.17g fma %.17g\n", sqrt(2.0), fma(0.1, 10.0, -1.0));
    printf("floor %g ceil %g trunc %g round %g rint %g fmod %.17g\n", floor(-2.5), ceil(-2.5), trunc(-2.5),
           round(-2.5), rint(-2.5), fmod(10.3, 3.0));
    printf("sin %.10g cos %.10g exp %.10g log %.10g pow %.10g atan2 %.10g\n", sin(1.0), cos(1.0), exp(1.0),
           log(10.0), pow(2.0, 0.5), atan2(1.0, 2.0));
    printf("int conversions %d %lld %u\n", (int)-2.9, (long long)1e18, (unsigned)3.99);
    double x;
    int k;
    if (sscanf("2.75 42", "%lf %d", &x, &k) == 2) printf("sscanf %g %d\n", x, k);
    return 0;
}
