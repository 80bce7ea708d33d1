/* An LZ77-style compressor (hash chains over 4-byte prefixes, 64 KiB window, greedy matching) and its
 * decompressor, on n bytes of generated compressible text; n at most 4 MiB. Checksum of the compressed
 * size and of the round trip (-1 if the round trip differs). */
#include "kernel.h"

#define MAX_N (1 << 22)
#define WINDOW 65536
#define HASH_BITS 15
static uint8_t in[MAX_N], out[MAX_N + MAX_N / 2 + 16], back[MAX_N];
static int32_t head[1 << HASH_BITS], prev[WINDOW];

static uint32_t hash4(const uint8_t *p) {
    uint32_t v = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
    return (v * 2654435761u) >> (32 - HASH_BITS);
}

/* Format: a token byte; 0..127 = literal run of token+1 bytes; 128..255 = match of length
 * (token-128)+4 at a 16-bit little-endian distance. */
static int32_t compress(const uint8_t *src, int32_t n, uint8_t *dst) {
    for (int32_t i = 0; i < (1 << HASH_BITS); i++) head[i] = -1;
    int32_t o = 0, lit_start = 0, i = 0;
    while (i < n) {
        int32_t best_len = 0, best_dist = 0;
        if (i + 4 <= n) {
            uint32_t h = hash4(src + i);
            int32_t cand = head[h], chain = 16;
            while (cand >= 0 && i - cand < WINDOW && chain-- > 0) {
                int32_t len = 0, max = n - i < 131 ? n - i : 131;
                while (len < max && src[cand + len] == src[i + len]) len++;
                if (len > best_len) { best_len = len; best_dist = i - cand; }
                cand = prev[cand & (WINDOW - 1)];
            }
            prev[i & (WINDOW - 1)] = head[h];
            head[h] = i;
        }
        if (best_len >= 4) {
            while (lit_start < i) {
                int32_t run = i - lit_start > 128 ? 128 : i - lit_start;
                dst[o++] = (uint8_t)(run - 1);
                for (int32_t k = 0; k < run; k++) dst[o++] = src[lit_start + k];
                lit_start += run;
            }
            dst[o++] = (uint8_t)(128 + best_len - 4);
            dst[o++] = (uint8_t)best_dist;
            dst[o++] = (uint8_t)(best_dist >> 8);
            for (int32_t k = 1; k < best_len; k++) {
                int32_t p = i + k;
                if (p + 4 <= n) {
                    uint32_t h = hash4(src + p);
                    prev[p & (WINDOW - 1)] = head[h];
                    head[h] = p;
                }
            }
            i += best_len;
            lit_start = i;
        } else {
            i++;
        }
    }
    while (lit_start < n) {
        int32_t run = n - lit_start > 128 ? 128 : n - lit_start;
        dst[o++] = (uint8_t)(run - 1);
        for (int32_t k = 0; k < run; k++) dst[o++] = src[lit_start + k];
        lit_start += run;
    }
    return o;
}

static int32_t decompress(const uint8_t *src, int32_t len, uint8_t *dst) {
    int32_t i = 0, o = 0;
    while (i < len) {
        uint8_t t = src[i++];
        if (t < 128) {
            for (int32_t k = 0; k <= t; k++) dst[o++] = src[i++];
        } else {
            int32_t mlen = t - 128 + 4, dist = src[i] | src[i + 1] << 8;
            i += 2;
            for (int32_t k = 0; k < mlen; k++, o++) dst[o] = dst[o - dist];
        }
    }
    return o;
}

int32_t run(int32_t n) {
    if (n > MAX_N) n = MAX_N;
    static const char *words[16] = {"wasm ", "kiln ", "the ", "compiler ", "module ", "function ",
                                    "memory ", "table ", "global ", "export ", "import ", "local ",
                                    "i32.add ", "br_if ", "loop ", "end\n"};
    uint32_t seed = 0xABCDEFu;
    for (int32_t i = 0; i < n;) {
        const char *w = words[kernel_rand(&seed) & 15];
        for (; *w && i < n; w++) in[i++] = (uint8_t)*w;
    }
    int32_t clen = compress(in, n, out);
    int32_t dlen = decompress(out, clen, back);
    if (dlen != n) return -1;
    uint32_t h = 2166136261u;
    for (int32_t i = 0; i < n; i++) {
        if (back[i] != in[i]) return -1;
        h = (h ^ back[i]) * 16777619u;
    }
    return (int32_t)kernel_mix(h, (uint32_t)clen);
}
