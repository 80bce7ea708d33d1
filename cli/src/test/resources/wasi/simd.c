/*
 * Vector code in every lane shape, printed exactly: built for wasm32-wasi with -O2 -msimd128 (clang
 * auto-vectorizes the loops to Wasm SIMD, and the vector-extension types below are v128 values) and
 * natively with -O2 (SSE2), the two builds must print the same bytes.
 *
 * Everything printed is an integer or the bit pattern of a float; no NaN is ever produced (x86 and Wasm
 * differ in NaN signs), no float-to-int conversion is out of range, and arithmetic that may wrap is on
 * unsigned types. Floating-point reductions that clang may not reorder stay in source order.
 */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

typedef int8_t i8x16 __attribute__((vector_size(16)));
typedef uint8_t u8x16 __attribute__((vector_size(16)));
typedef int16_t i16x8 __attribute__((vector_size(16)));
typedef uint16_t u16x8 __attribute__((vector_size(16)));
typedef int32_t i32x4 __attribute__((vector_size(16)));
typedef uint32_t u32x4 __attribute__((vector_size(16)));
typedef int64_t i64x2 __attribute__((vector_size(16)));
typedef uint64_t u64x2 __attribute__((vector_size(16)));
typedef float f32x4 __attribute__((vector_size(16)));
typedef double f64x2 __attribute__((vector_size(16)));

#define N 4096

static uint8_t u8a[N], u8b[N], u8c[N];
static int8_t i8a[N];
static int16_t i16a[N], i16b[N];
static uint16_t u16a[N];
static int32_t i32a[N], i32b[N], i32c[N];
static uint32_t u32a[N];
static int64_t i64a[N], i64b[N];
static uint64_t u64a[N];
static float f32a[N], f32b[N], f32c[N];
static double f64a[N], f64b[N], f64c[N];
static char text[N + 1];

static uint32_t rng = 0x2545F491u;

static uint32_t next(void) {
    uint32_t x = rng;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    rng = x;
    return x;
}

/* FNV-1a over bytes, to print one line per array */
static uint32_t fnv(const void *p, size_t n) {
    const uint8_t *b = p;
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < n; i++) {
        h ^= b[i];
        h *= 16777619u;
    }
    return h;
}

static uint32_t f32bits(float f) {
    uint32_t u;
    memcpy(&u, &f, 4);
    return u;
}

static uint64_t f64bits(double d) {
    uint64_t u;
    memcpy(&u, &d, 8);
    return u;
}

static void fill(void) {
    static const char words[] = "the quick brown fox jumps over the lazy dog; SIMD kiln needle ";
    for (int i = 0; i < N; i++) {
        uint32_t r = next();
        u8a[i] = (uint8_t) r;
        u8b[i] = (uint8_t) (r >> 8);
        i8a[i] = (int8_t) (r >> 16);
        i16a[i] = (int16_t) (r >> 3);
        i16b[i] = (int16_t) (r >> 14);
        u16a[i] = (uint16_t) (r >> 11);
        i32a[i] = (int32_t) next();
        i32b[i] = (int32_t) (next() % 2001) - 1000;
        u32a[i] = next();
        i64a[i] = (int64_t) (((uint64_t) next() << 32) | next());
        i64b[i] = (int64_t) (next() % 100000) - 50000;
        u64a[i] = ((uint64_t) next() << 32) | next();
        /* floats with a few significant bits, of both signs, some zeros (never NaN or infinite) */
        f32a[i] = (float) ((int32_t) (next() % 20001) - 10000) / 64.0f;
        f32b[i] = (float) ((int32_t) (next() % 2001) - 1000) * 0.375f;
        f64a[i] = (double) ((int32_t) next()) / 3.0;
        f64b[i] = (double) ((int32_t) (next() % 1000001) - 500000) * 1e-3;
        text[i] = words[next() % (sizeof words - 1)];
    }
    text[N] = 0;
    memcpy(text + 1000, "needle", 6);
    memcpy(text + 3000, "needle", 6);
}

/* ---- auto-vectorized loops (clang's loop vectorizer at -O2) ---- */

static void i8_loops(void) {
    uint32_t sum = 0;
    uint8_t mx = 0, mn = 255;
    for (int i = 0; i < N; i++) {
        sum += u8a[i];
        mx = u8a[i] > mx ? u8a[i] : mx;
        mn = u8a[i] < mn ? u8a[i] : mn;
    }
    int8_t smx = -128, smn = 127;
    for (int i = 0; i < N; i++) {
        smx = i8a[i] > smx ? i8a[i] : smx;
        smn = i8a[i] < smn ? i8a[i] : smn;
    }
    /* saturating add and average, then a byte-wise blend */
    for (int i = 0; i < N; i++) {
        unsigned s = (unsigned) u8a[i] + u8b[i];
        u8c[i] = s > 255 ? 255 : (uint8_t) s;
    }
    uint32_t hsat = fnv(u8c, N);
    for (int i = 0; i < N; i++) {
        u8c[i] = (uint8_t) (((unsigned) u8a[i] + u8b[i] + 1) >> 1);
    }
    uint32_t havg = fnv(u8c, N);
    for (int i = 0; i < N; i++) {
        u8c[i] = u8a[i] > u8b[i] ? (uint8_t) (u8a[i] - u8b[i]) : (uint8_t) (u8b[i] - u8a[i]);
    }
    uint32_t habs = fnv(u8c, N);
    printf("i8: sum %" PRIu32 " max %u min %u smax %d smin %d sat %08" PRIx32 " avg %08" PRIx32 " absdiff %08" PRIx32 "\n",
           sum, mx, mn, smx, smn, hsat, havg, habs);
}

static void i16_loops(void) {
    /* i16 dot product into i32, clamp to u8 (narrowing), widening multiply */
    int32_t dot = 0;
    for (int i = 0; i < N; i++) {
        dot += (int32_t) i16a[i] * i16b[i];
    }
    for (int i = 0; i < N; i++) {
        int v = i16a[i] >> 4;
        u8c[i] = (uint8_t) (v < 0 ? 0 : v > 255 ? 255 : v);
    }
    uint32_t hclamp = fnv(u8c, N);
    for (int i = 0; i < N; i++) {
        i32c[i] = (int32_t) i16a[i] * i16b[i] + (int32_t) u16a[i];
    }
    uint32_t hwide = fnv(i32c, sizeof i32c);
    int16_t mx = INT16_MIN;
    uint16_t umn = UINT16_MAX;
    uint32_t shifted = 0;
    for (int i = 0; i < N; i++) {
        mx = i16a[i] > mx ? i16a[i] : mx;
        umn = u16a[i] < umn ? u16a[i] : umn;
        shifted += (uint16_t) (u16a[i] >> 3) ^ (uint16_t) (i16b[i] << 2);
    }
    printf("i16: dot %" PRId32 " clamp %08" PRIx32 " widen %08" PRIx32 " max %d umin %u shifted %" PRIu32 "\n",
           dot, hclamp, hwide, mx, umn, shifted);
}

static void i32_loops(void) {
    uint32_t sum = 0, mul = 0;
    int32_t mx = INT32_MIN, mn = INT32_MAX;
    for (int i = 0; i < N; i++) {
        sum += (uint32_t) i32a[i];
        mul += (uint32_t) i32a[i] * (uint32_t) i32b[i];
        mx = i32a[i] > mx ? i32a[i] : mx;
        mn = i32b[i] < mn ? i32b[i] : mn;
    }
    uint32_t umx = 0;
    for (int i = 0; i < N; i++) {
        umx = u32a[i] > umx ? u32a[i] : umx;
    }
    /* abs, conditional select, shifts, to f32 and back */
    for (int i = 0; i < N; i++) {
        int32_t b = i32b[i];
        i32c[i] = (b < 0 ? -b : b) + (i32a[i] > 0 ? (i32a[i] >> 7) : (int32_t) ((uint32_t) i32a[i] >> 9));
    }
    uint32_t hsel = fnv(i32c, sizeof i32c);
    for (int i = 0; i < N; i++) {
        f32c[i] = (float) i32b[i] * 0.5f;
    }
    uint32_t hconv = fnv(f32c, sizeof f32c);
    for (int i = 0; i < N; i++) {
        i32c[i] = (int32_t) (f32a[i] * 3.0f);
    }
    uint32_t htrunc = fnv(i32c, sizeof i32c);
    printf("i32: sum %" PRIu32 " mul %" PRIu32 " max %" PRId32 " min %" PRId32 " umax %" PRIu32
           " sel %08" PRIx32 " conv %08" PRIx32 " trunc %08" PRIx32 "\n",
           sum, mul, mx, mn, umx, hsel, hconv, htrunc);
}

static void i64_loops(void) {
    uint64_t sum = 0, prod = 0, bits = 0;
    for (int i = 0; i < N; i++) {
        sum += (uint64_t) i64a[i];
        prod += u64a[i] * (uint64_t) i64b[i];
        bits ^= (u64a[i] >> 5) | ((uint64_t) i64a[i] << 3);
    }
    int64_t mx = INT64_MIN;
    for (int i = 0; i < N; i++) {
        mx = i64b[i] > mx ? i64b[i] : mx;
    }
    int64_t widened = 0;
    for (int i = 0; i < N; i++) {
        widened += (int64_t) i32a[i] * i32b[i];
    }
    printf("i64: sum %016" PRIx64 " prod %016" PRIx64 " bits %016" PRIx64 " max %" PRId64 " widened %" PRId64 "\n",
           sum, prod, bits, mx, widened);
}

static void f32_loops(void) {
    /* saxpy, element-wise min/max (no reassociation needed), a clamp; the sum stays in order */
    for (int i = 0; i < N; i++) {
        f32c[i] = 2.5f * f32a[i] + f32b[i];
    }
    uint32_t hsaxpy = fnv(f32c, sizeof f32c);
    for (int i = 0; i < N; i++) {
        float a = f32a[i], b = f32b[i];
        f32c[i] = (a < b ? a : b) - (a > b ? a : b) * 0.25f;
    }
    uint32_t hminmax = fnv(f32c, sizeof f32c);
    for (int i = 0; i < N; i++) {
        float v = f32a[i];
        f32c[i] = v < -20.0f ? -20.0f : v > 20.0f ? 20.0f : v;
    }
    uint32_t hclamp = fnv(f32c, sizeof f32c);
    float sum = 0;
    for (int i = 0; i < N; i++) {
        sum += f32a[i] * f32b[i];
    }
    for (int i = 0; i < N; i++) {
        f32c[i] = f32a[i] / (f32b[i] == 0.0f ? 1.0f : f32b[i]);
    }
    uint32_t hdiv = fnv(f32c, sizeof f32c);
    printf("f32: saxpy %08" PRIx32 " minmax %08" PRIx32 " clamp %08" PRIx32 " dot %08" PRIx32 " div %08" PRIx32 "\n",
           hsaxpy, hminmax, hclamp, f32bits(sum), hdiv);
}

static void f64_loops(void) {
    for (int i = 0; i < N; i++) {
        f64c[i] = f64a[i] * 1e-6 + f64b[i] * f64b[i];
    }
    uint32_t hpoly = fnv(f64c, sizeof f64c);
    double dot = 0;
    for (int i = 0; i < N; i++) {
        dot += f64a[i] * f64b[i];
    }
    for (int i = 0; i < N; i++) {
        f64c[i] = (double) f32a[i] + (double) i32b[i];
    }
    uint32_t hpromote = fnv(f64c, sizeof f64c);
    for (int i = 0; i < N; i++) {
        f32c[i] = (float) (f64b[i] * 0.1);
    }
    uint32_t hdemote = fnv(f32c, sizeof f32c);
    for (int i = 0; i < N; i++) {
        double a = f64a[i], b = f64b[i] * 1e6;
        f64c[i] = a > b ? a : b;
    }
    uint32_t hmax = fnv(f64c, sizeof f64c);
    printf("f64: poly %08" PRIx32 " dot %016" PRIx64 " promote %08" PRIx32 " demote %08" PRIx32 " max %08" PRIx32 "\n",
           hpoly, f64bits(dot), hpromote, hdemote, hmax);
}

/* a byte histogram and a string search, both over bytes */
static void bytes(void) {
    uint32_t hist[256] = {0};
    for (int i = 0; i < N; i++) {
        hist[u8a[i]]++;
    }
    uint32_t vowels = 0, spaces = 0, upper = 0;
    for (int i = 0; i < N; i++) {
        char c = text[i];
        vowels += c == 'a' || c == 'e' || c == 'i' || c == 'o' || c == 'u';
        spaces += c == ' ';
        upper += (unsigned char) (c - 'A') < 26;
    }
    /* find "needle" 16 bytes at a time: compare the first byte in a v128, then check candidates */
    int found[4], nfound = 0;
    const u8x16 first = (u8x16) {0} + (uint8_t) 'n';
    for (int i = 0; i + 16 <= N && nfound < 4; i += 16) {
        u8x16 chunk;
        memcpy(&chunk, text + i, 16);
        i8x16 eq = (i8x16) (chunk == first);
        uint64_t lo, hi;
        memcpy(&lo, &eq, 8);
        memcpy(&hi, (char *) &eq + 8, 8);
        if ((lo | hi) == 0) {
            continue;
        }
        for (int j = 0; j < 16 && nfound < 4; j++) {
            if (eq[j] && i + j + 6 <= N && memcmp(text + i + j, "needle", 6) == 0) {
                found[nfound++] = i + j;
            }
        }
    }
    printf("bytes: hist %08" PRIx32 " h[0] %" PRIu32 " h[255] %" PRIu32 " vowels %" PRIu32 " spaces %" PRIu32
           " upper %" PRIu32 " needle", fnv(hist, sizeof hist), hist[0], hist[255], vowels, spaces, upper);
    for (int k = 0; k < nfound; k++) {
        printf(" %d", found[k]);
    }
    printf("\n");
}

/* ---- explicit vectors: clang's vector extensions, shuffles, lane access ---- */

static void explicit_vectors(void) {
    u8x16 a, b;
    memcpy(&a, u8a, 16);
    memcpy(&b, u8b, 16);
    u8x16 rev = __builtin_shufflevector(a, a, 15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0);
    u8x16 inter = __builtin_shufflevector(a, b, 0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
    u8x16 rot = __builtin_shufflevector(a, b, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18);
    u8x16 mixed = (a & (u8x16) (a > b)) | (b & ~(u8x16) (a > b));
    u8x16 shifted = (a >> 3) + (b << 1);
    printf("u8x16:");
    for (int k = 0; k < 16; k++) {
        printf(" %02x.%02x.%02x.%02x.%02x", rev[k], inter[k], rot[k], mixed[k], shifted[k]);
    }
    printf("\n");

    i16x8 h, g;
    memcpy(&h, i16a, 16);
    memcpy(&g, i16b, 16);
    i16x8 hs = __builtin_shufflevector(h, g, 1, 0, 3, 2, 9, 8, 15, 14);
    i16x8 prod = h * g;
    i16x8 sra = h >> 5;
    u16x8 srl = (u16x8) h >> 5;
    i16x8 cmp = (i16x8) (h < g);
    printf("i16x8:");
    for (int k = 0; k < 8; k++) {
        printf(" %d,%d,%d,%u,%d", hs[k], prod[k], sra[k], srl[k], cmp[k]);
    }
    printf("\n");

    i32x4 x, y;
    memcpy(&x, i32a, 16);
    memcpy(&y, i32b, 16);
    u32x4 ux = (u32x4) x;
    u32x4 uy = (u32x4) y;
    i32x4 splat = (i32x4) {0} + 12345;
    i32x4 sum = (i32x4) (ux + uy + (u32x4) splat);
    i32x4 gtm = x > y;
    i32x4 sel = (x & gtm) | (y & ~gtm);
    i32x4 sw = __builtin_shufflevector(x, y, 2, 6, 0, 4);
    u32x4 prod32 = ux * uy;
    f32x4 conv = __builtin_convertvector(y, f32x4);
    i32x4 back = __builtin_convertvector(conv * 2.25f, i32x4);
    printf("i32x4:");
    for (int k = 0; k < 4; k++) {
        printf(" %" PRId32 ",%" PRId32 ",%" PRId32 ",%" PRIu32 ",%08" PRIx32 ",%" PRId32, sum[k], sel[k], sw[k],
               prod32[k], f32bits(conv[k]), back[k]);
    }
    printf("\n");

    i64x2 p, q;
    memcpy(&p, i64a, 16);
    memcpy(&q, i64b, 16);
    u64x2 up = (u64x2) p;
    u64x2 uq = (u64x2) q;
    u64x2 s64 = up + uq * 3;
    u64x2 x64 = (up >> 7) ^ (uq << 13);
    i64x2 sra64 = p >> 9;
    i64x2 sw64 = __builtin_shufflevector(p, q, 1, 2);
    i64x2 gt = (i64x2) (p > q);
    printf("i64x2:");
    for (int k = 0; k < 2; k++) {
        printf(" %016" PRIx64 ",%016" PRIx64 ",%" PRId64 ",%" PRId64 ",%" PRId64, s64[k], x64[k], sra64[k], sw64[k],
               gt[k]);
    }
    printf("\n");

    f32x4 fa, fb;
    memcpy(&fa, f32a, 16);
    memcpy(&fb, f32b, 16);
    f32x4 fma = fa * fb + fa;
    f32x4 fdiv = fa / (f32x4) {3.0f, 7.0f, -11.0f, 0.125f};
    f32x4 fsw = __builtin_shufflevector(fa, fb, 3, 7, 1, 5);
    f32x4 fneg = -fa;
    i32x4 fcmp = fa >= fb;
    printf("f32x4:");
    for (int k = 0; k < 4; k++) {
        printf(" %08" PRIx32 ",%08" PRIx32 ",%08" PRIx32 ",%08" PRIx32 ",%" PRId32, f32bits(fma[k]), f32bits(fdiv[k]),
               f32bits(fsw[k]), f32bits(fneg[k]), fcmp[k]);
    }
    printf("\n");

    f64x2 da, db;
    memcpy(&da, f64a, 16);
    memcpy(&db, f64b, 16);
    f64x2 dsum = da + db * 0.1;
    f64x2 ddiv = da / (f64x2) {3.0, -0.7};
    f64x2 dsw = __builtin_shufflevector(da, db, 1, 2);
    i64x2 dlt = da < db;
    f32x4 narrow = __builtin_convertvector(__builtin_shufflevector(da, db, 0, 1, 2, 3), f32x4);
    printf("f64x2:");
    for (int k = 0; k < 2; k++) {
        printf(" %016" PRIx64 ",%016" PRIx64 ",%016" PRIx64 ",%" PRId64, f64bits(dsum[k]), f64bits(ddiv[k]),
               f64bits(dsw[k]), dlt[k]);
    }
    printf(" narrow");
    for (int k = 0; k < 4; k++) {
        printf(" %08" PRIx32, f32bits(narrow[k]));
    }
    printf("\n");
}

/* a whole-array kernel on explicit vectors: per-lane byte classification accumulated in u8 lanes */
static void classify(void) {
    uint32_t digits = 0, letters = 0, other = 0;
    const u8x16 zero = (u8x16) {0};
    for (int i = 0; i < N; i += 16 * 255) {
        u8x16 d = zero, l = zero, o = zero;
        int end = i + 16 * 255 < N ? i + 16 * 255 : N;
        for (int j = i; j < end; j += 16) {
            u8x16 c;
            memcpy(&c, u8a + j, 16);
            u8x16 isd = (u8x16) ((u8x16) (c - '0') < 10);
            u8x16 lower = c | 0x20;
            u8x16 isl = (u8x16) ((u8x16) (lower - 'a') < 26);
            d -= isd;
            l -= isl;
            o += (u8x16) ~(isd | isl) & 1;
        }
        for (int k = 0; k < 16; k++) {
            digits += d[k];
            letters += l[k];
            other += o[k];
        }
    }
    printf("classify: digits %" PRIu32 " letters %" PRIu32 " other %" PRIu32 "\n", digits, letters, other);
}

int main(void) {
    fill();
    i8_loops();
    i16_loops();
    i32_loops();
    i64_loops();
    f32_loops();
    f64_loops();
    bytes();
    explicit_vectors();
    classify();
    return 0;
}
