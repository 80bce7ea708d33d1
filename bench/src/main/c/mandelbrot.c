/* Mandelbrot set on an n x n grid over [-1.5,0.5] x [-1,1], at most 50 iterations per point (Benchmarks
 * Game specification): checksum of the packed bitmap rows. */
#include "kernel.h"

int32_t run(int32_t n) {
    uint32_t h = 2166136261u;
    for (int32_t y = 0; y < n; y++) {
        uint32_t bits = 0;
        int32_t nbits = 0;
        double ci = 2.0 * y / n - 1.0;
        for (int32_t x = 0; x < n; x++) {
            double cr = 2.0 * x / n - 1.5;
            double zr = 0, zi = 0, tr = 0, ti = 0;
            int32_t i = 0;
            for (; i < 50 && tr + ti <= 4.0; i++) {
                zi = 2.0 * zr * zi + ci;
                zr = tr - ti + cr;
                tr = zr * zr;
                ti = zi * zi;
            }
            bits = (bits << 1) | (tr + ti <= 4.0);
            if (++nbits == 32) {
                h = kernel_mix(h, bits);
                bits = 0;
                nbits = 0;
            }
        }
        h = kernel_mix(h, bits);
    }
    return (int32_t)h;
}
