/* Hand-vectorized byte classification of n bytes of generated UTF-8 text (n at most 4 MiB), written
 * with clang's portable vector extensions (u8x16 = 16 byte lanes), so the one source is Wasm SIMD with
 * -msimd128, SSE2 natively, and 16 scalar lanes in the plain Wasm build. Eight passes over the text
 * (each starting one byte further) count, in byte lanes flushed to 32-bit totals every 255 vectors:
 * UTF-8 characters (bytes that are not continuation bytes 0x80..0xBF), ASCII letters, digits,
 * whitespace, and a 16-bin histogram of the high nibble (a compare and a subtract per bin).
 * Checksum: every count, folded.
 * kiln-bench-wasm-flags: -msign-ext
 * (clang's default, named so that wasm-opt knows it: the plain build's scalarized lanes sign-extend) */
#include "kernel.h"
#include <string.h>

typedef uint8_t u8x16 __attribute__((vector_size(16)));
typedef int8_t i8x16 __attribute__((vector_size(16)));

#define MAX_N (1 << 22)
#define PASSES 8
static uint8_t text[MAX_N + PASSES];

/* The byte sequences the text is made of: ASCII words, digits, whitespace, 2-, 3- and 4-byte UTF-8. */
static const char *const pieces[16] = {
    "kiln ", "vector ", "Lanes", "\xc3\xa9t\xc3\xa9 ", "42", "\n", "\t", "\xe2\x82\xac",
    "\xe6\x97\xa5\xe6\x9c\xac ", "\xf0\x9f\x94\xa5", "SIMD", "0x7f ", "caf\xc3\xa9", " ", "\xce\xbb", "wasm"};

static inline u8x16 load(const uint8_t *p) {
    u8x16 v;
    memcpy(&v, p, 16);
    return v;
}

/* all-ones lanes (0xff) where the condition holds: subtracting them adds 1 per lane (unsigned compares
 * only: the plain build's scalar lanes then need no sign-extension instruction) */
static inline u8x16 mask(i8x16 m) {
    return (u8x16) m;
}

int32_t run(int32_t n) {
    if (n > MAX_N) n = MAX_N;
    if (n < 0) n = 0;
    uint32_t seed = 0xC1A55u;
    int32_t len = 0;
    while (len < n + PASSES) {
        const char *p = pieces[kernel_rand(&seed) >> 28];
        size_t l = strlen(p);
        if (len + (int32_t) l > n + PASSES) l = (size_t) (n + PASSES - len);
        memcpy(text + len, p, l);
        len += (int32_t) l;
    }
    uint32_t chars = 0, letters = 0, digits = 0, spaces = 0, nibbles[16] = {0};
    for (int pass = 0; pass < PASSES; pass++) {
        const uint8_t *base = text + pass;
        int32_t vectors = n / 16;
        for (int32_t v0 = 0; v0 < vectors; v0 += 255) {
            int32_t v1 = v0 + 255 < vectors ? v0 + 255 : vectors;
            u8x16 c_chars = {0}, c_letters = {0}, c_digits = {0}, c_spaces = {0};
            u8x16 c_nib[16];
            for (int b = 0; b < 16; b++) c_nib[b] = (u8x16) {0};
            for (int32_t v = v0; v < v1; v++) {
                u8x16 c = load(base + 16 * v);
                c_chars -= mask((u8x16) (c - 0x80) >= 0x40);
                c_letters -= mask((u8x16) ((c | 0x20) - 'a') < 26);
                c_digits -= mask((u8x16) (c - '0') < 10);
                c_spaces -= mask((c == ' ') | (c == '\n') | (c == '\t'));
                u8x16 hi = c >> 4;
                for (int b = 0; b < 16; b++) c_nib[b] -= mask(hi == (uint8_t) b);
            }
            for (int k = 0; k < 16; k++) {
                chars += c_chars[k];
                letters += c_letters[k];
                digits += c_digits[k];
                spaces += c_spaces[k];
                for (int b = 0; b < 16; b++) nibbles[b] += c_nib[b][k];
            }
        }
        for (int32_t i = vectors * 16; i < n; i++) {
            uint8_t c = base[i];
            chars += (uint8_t) (c - 0x80) >= 0x40;
            letters += (uint8_t) ((c | 0x20) - 'a') < 26;
            digits += (uint8_t) (c - '0') < 10;
            spaces += c == ' ' || c == '\n' || c == '\t';
            nibbles[c >> 4]++;
        }
    }
    uint32_t h = kernel_mix(0x811C9DC5u, chars);
    h = kernel_mix(h, letters);
    h = kernel_mix(h, digits);
    h = kernel_mix(h, spaces);
    for (int b = 0; b < 16; b++) h = kernel_mix(h, nibbles[b]);
    return (int32_t) h;
}
