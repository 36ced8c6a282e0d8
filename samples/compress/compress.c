/* compress: the realistic benchmark workload. An LZ77 compressor and decompressor (4 KB
 * window, hash-chained match finder) plus a CRC-32, run over a deterministic generated
 * buffer of pseudo-text. Mixed function sizes: a large match finder, mid-size coders, small
 * helpers called per match or per literal run, never per byte in the hot loops.
 * Built as compress.dll (clang form) and compress_msvc.dll (msvc form); no CRT, no imports
 * (memset/memcpy are defined here in case a compiler emits calls to them).
 * Run(iterations) returns a checksum; expected values in README.md (computed by a native Linux
 * build of this same file). */
#ifdef NTRACE_NATIVE_CHECK
#define HOOKABLE __attribute__((noinline))
#define WINAPI
#else
#include "../include/sample.h"
#endif

typedef unsigned char u8;
typedef unsigned short u16;
typedef unsigned int u32;

#define INPUT_SIZE 8192
#define WINDOW 4096
#define MIN_MATCH 4
#define MAX_MATCH 66
#define HASH_BITS 11
#define HASH_SIZE (1 << HASH_BITS)
#define OUT_CAP (INPUT_SIZE + INPUT_SIZE / 8 + 64)

static u8 input[INPUT_SIZE];
static u8 packed[OUT_CAP];
static u8 unpacked[INPUT_SIZE];
static u16 head[HASH_SIZE];       /* position + 1 of the newest string with this hash, 0 = none */
static u16 chain[INPUT_SIZE];     /* previous position + 1 with the same hash */
static u32 crc_table[256];
static int crc_ready;

/* ---- freestanding helpers (a compiler may emit calls to these) ---- */
HOOKABLE void *memset(void *dst, int value, unsigned n)
{
    volatile u8 *d = dst; /* volatile: keep this a loop, never a call to memset itself */
    while (n--)
        *d++ = (u8)value;
    return dst;
}

HOOKABLE void *memcpy(void *dst, const void *src, unsigned n)
{
    volatile u8 *d = dst;
    const u8 *s = src;
    while (n--)
        *d++ = *s++;
    return dst;
}

/* ---- input generation: words from a small vocabulary, chosen by an LCG ---- */
static u32 rng_state;

HOOKABLE u32 rng_next(void)
{
    rng_state = rng_state * 1103515245u + 12345u;
    return (rng_state >> 16) & 0x7FFF;
}

static const char *const words[16] = {
    "the ", "trace ", "function ", "entry ", "exit ", "thread ", "stack ", "frame ",
    "patch ", "thunk ", "kernel ", "driver ", "event ", "buffer ", "symbol ", "\n",
};

HOOKABLE int append_word(u8 *dst, int pos, int limit, const char *w)
{
    while (*w && pos < limit)
        dst[pos++] = (u8)*w++;
    return pos;
}

HOOKABLE void generate_input(u32 seed)
{
    int pos = 0;
    rng_state = seed;
    while (pos < INPUT_SIZE) {
        u32 r = rng_next();
        if ((r & 7) == 7) {
            /* a number: makes literals that do not repeat */
            u32 v = rng_next();
            for (int d = 0; d < 4 && pos < INPUT_SIZE; d++, v /= 10)
                input[pos++] = (u8)('0' + v % 10);
        } else {
            pos = append_word(input, pos, INPUT_SIZE, words[r & 15]);
        }
    }
}

/* ---- CRC-32 (IEEE, reflected) ---- */
HOOKABLE void crc_init(void)
{
    for (u32 n = 0; n < 256; n++) {
        u32 c = n;
        for (int k = 0; k < 8; k++)
            c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
        crc_table[n] = c;
    }
    crc_ready = 1;
}

HOOKABLE u32 crc32(const u8 *p, int n)
{
    if (!crc_ready)
        crc_init();
    u32 c = 0xFFFFFFFFu;
    for (int i = 0; i < n; i++)
        c = crc_table[(c ^ p[i]) & 0xFF] ^ (c >> 8);
    return c ^ 0xFFFFFFFFu;
}

/* ---- LZ77 coder ----
 * Token stream: a control byte per 8 items (bit = 1: match), literal = 1 byte,
 * match = 2 bytes: 12-bit distance - 1, 4-bit length - MIN_MATCH (lengths 4..19) ... extended:
 * if the 4 bits are 15, one more byte adds 0..47 (MAX_MATCH = 4 + 15 + 47 = 66). */
static inline u32 hash4(const u8 *p)
{
    u32 v = (u32)p[0] | ((u32)p[1] << 8) | ((u32)p[2] << 16) | ((u32)p[3] << 24);
    return (v * 2654435761u) >> (32 - HASH_BITS);
}

HOOKABLE int match_length(const u8 *a, const u8 *b, int max)
{
    int n = 0;
    while (n < max && a[n] == b[n])
        n++;
    return n;
}

typedef struct {
    int dist;
    int len;
} Match;

HOOKABLE Match find_match(int pos, int end)
{
    Match best = { 0, 0 };
    int max = end - pos;
    if (max > MAX_MATCH)
        max = MAX_MATCH;
    if (max < MIN_MATCH)
        return best;
    int cand = head[hash4(input + pos)];
    int tries = 16;
    while (cand && tries--) {
        int at = cand - 1;
        if (pos - at > WINDOW)
            break;
        if (input[at + best.len] == input[pos + best.len]) {
            int len = match_length(input + at, input + pos, max);
            if (len > best.len) {
                best.len = len;
                best.dist = pos - at;
                if (len == max)
                    break;
            }
        }
        cand = chain[at];
    }
    if (best.len < MIN_MATCH)
        best.len = 0;
    return best;
}

HOOKABLE void insert_string(int pos, int end)
{
    if (pos + MIN_MATCH > end)
        return;
    u32 h = hash4(input + pos);
    chain[pos] = head[h];
    head[h] = (u16)(pos + 1);
}

typedef struct {
    int out;       /* bytes written to packed */
    int ctrl_at;   /* position of the current control byte */
    int ctrl_bit;  /* next bit in it (8 = need a new control byte) */
} Writer;

HOOKABLE void put_flag(Writer *w, int is_match)
{
    if (w->ctrl_bit == 8) {
        w->ctrl_at = w->out++;
        packed[w->ctrl_at] = 0;
        w->ctrl_bit = 0;
    }
    if (is_match)
        packed[w->ctrl_at] |= (u8)(1 << w->ctrl_bit);
    w->ctrl_bit++;
}

HOOKABLE void emit_literals(Writer *w, int from, int count)
{
    for (int i = 0; i < count; i++) {
        put_flag(w, 0);
        packed[w->out++] = input[from + i];
    }
}

HOOKABLE void emit_match(Writer *w, Match m)
{
    int d = m.dist - 1;
    int l = m.len - MIN_MATCH;
    put_flag(w, 1);
    packed[w->out++] = (u8)(d & 0xFF);
    packed[w->out++] = (u8)(((d >> 8) << 4) | (l < 15 ? l : 15));
    if (l >= 15)
        packed[w->out++] = (u8)(l - 15);
}

HOOKABLE int compress_block(int n)
{
    Writer w = { 0, 0, 8 };
    memset(head, 0, sizeof head);
    int pos = 0, literal_start = 0;
    while (pos < n) {
        Match m = find_match(pos, n);
        if (m.len) {
            emit_literals(&w, literal_start, pos - literal_start);
            emit_match(&w, m);
            for (int i = 0; i < m.len; i++)
                insert_string(pos + i, n);
            pos += m.len;
            literal_start = pos;
        } else {
            insert_string(pos, n);
            pos++;
        }
    }
    emit_literals(&w, literal_start, pos - literal_start);
    return w.out;
}

HOOKABLE void copy_match(u8 *out, int at, int dist, int len)
{
    for (int i = 0; i < len; i++) /* byte by byte: source and destination may overlap */
        out[at + i] = out[at + i - dist];
}

HOOKABLE int decompress_block(int packed_len, int limit)
{
    int in = 0, out = 0;
    while (in < packed_len) {
        u8 ctrl = packed[in++];
        for (int bit = 0; bit < 8 && in < packed_len; bit++) {
            if (ctrl & (1 << bit)) {
                int d = packed[in] | ((packed[in + 1] >> 4) << 8);
                int l = packed[in + 1] & 15;
                in += 2;
                if (l == 15)
                    l += packed[in++];
                l += MIN_MATCH;
                if (out + l > limit || d + 1 > out)
                    return -1;
                copy_match(unpacked, out, d + 1, l);
                out += l;
            } else {
                if (out >= limit)
                    return -1;
                unpacked[out++] = packed[in++];
            }
        }
    }
    return out;
}

HOOKABLE int same_bytes(const u8 *a, const u8 *b, int n)
{
    for (int i = 0; i < n; i++)
        if (a[i] != b[i])
            return 0;
    return 1;
}

/* One round: generate, compress, decompress, verify; returns a checksum of the round or
   0xDEAD0000 | stage if a round trip failed. */
HOOKABLE u32 round_trip(u32 seed)
{
    generate_input(seed);
    int plen = compress_block(INPUT_SIZE);
    int ulen = decompress_block(plen, INPUT_SIZE);
    if (ulen != INPUT_SIZE)
        return 0xDEAD0001u;
    if (!same_bytes(input, unpacked, INPUT_SIZE))
        return 0xDEAD0002u;
    return crc32(packed, plen) ^ (u32)plen;
}

/* Run(iterations): rounds with seeds 1..iterations; returns the sum of their checksums
   rotated, so the order matters. */
HOOKABLE int WINAPI Run(int iterations)
{
    u32 sum = 0;
    for (int i = 1; i <= iterations; i++)
        sum = ((sum << 5) | (sum >> 27)) ^ round_trip((u32)i);
    return (int)sum;
}

/* Size of the compressed form of the seed-1 input (for a quick check). */
HOOKABLE int WINAPI PackedSize(int seed)
{
    generate_input((u32)seed);
    return compress_block(INPUT_SIZE);
}

#ifndef NTRACE_NATIVE_CHECK
HOOKABLE BOOL WINAPI DllMain(void *instance, DWORD reason, void *reserved)
{
    (void)instance; (void)reason; (void)reserved;
    return TRUE;
}
#endif
