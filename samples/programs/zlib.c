/* zlib.exe: compress/uncompress round trip against zlib1.dll (Debian's libz-mingw-w64,
 * imported through its import library libz.dll.a): 6000 bytes of generated, partly
 * repetitive data; crc32 and adler32 of it; compress2 at levels 1, 6 and 9; uncompress and
 * compare; a streaming deflate/inflate with a small output buffer. Prints sizes and checksums;
 * exit code 0 when every round trip matched. Compressed sizes depend on zlib's deflate
 * (confirmed with zlib 1.2.13). */
#include <stdio.h>
#include <string.h>
#include <zlib.h>

#define N 6000

static unsigned char src[N], packed[N + 1024], unpacked[N];

static void generate(void)
{
    static const char *words[] = {"ntrace ", "traces ", "x86 ", "Windows ", "programs ", "under ", "Wine\n"};
    unsigned seed = 1;
    int n = 0;
    while (n < N) {
        seed = seed * 1664525u + 1013904223u;
        if ((seed >> 28) < 11) {            /* mostly words */
            const char *w = words[(seed >> 8) % 7];
            while (*w && n < N)
                src[n++] = (unsigned char)*w++;
        } else {                            /* some noise */
            for (int k = 0; k < 6 && n < N; k++) {
                seed = seed * 1664525u + 1013904223u;
                src[n++] = (unsigned char)(seed >> 24);
            }
        }
    }
}

int main(void)
{
    int failures = 0;
    generate();
    printf("zlib version 1.x: %s\n", zlibVersion()[0] == '1' ? "yes" : "no");
    uLong crc = crc32(crc32(0L, Z_NULL, 0), src, N);
    uLong adl = adler32(adler32(0L, Z_NULL, 0), src, N);
    printf("input %d bytes, crc32 %08lx, adler32 %08lx\n", N, crc, adl);

    static const int levels[] = {1, 6, 9};
    for (int i = 0; i < 3; i++) {
        uLongf plen = sizeof packed;
        int rc = compress2(packed, &plen, src, N, levels[i]);
        uLongf ulen = sizeof unpacked;
        int rc2 = uncompress(unpacked, &ulen, packed, plen);
        int same = rc == Z_OK && rc2 == Z_OK && ulen == N && memcmp(src, unpacked, N) == 0;
        printf("level %d: %lu bytes, crc32 of compressed %08lx, round trip %s\n", levels[i],
               (unsigned long)plen, crc32(0L, packed, plen), same ? "ok" : "FAILED");
        failures += !same;
    }

    /* streaming: 100-byte output chunks */
    z_stream d;
    memset(&d, 0, sizeof d);
    deflateInit(&d, Z_BEST_COMPRESSION);
    d.next_in = src;
    d.avail_in = N;
    unsigned char chunk[100];
    uLong total = 0, chunks = 0, stream_crc = crc32(0L, Z_NULL, 0);
    int rc;
    do {
        d.next_out = chunk;
        d.avail_out = sizeof chunk;
        rc = deflate(&d, Z_FINISH);
        uInt got = sizeof chunk - d.avail_out;
        memcpy(packed + total, chunk, got);
        stream_crc = crc32(stream_crc, chunk, got);
        total += got;
        chunks++;
    } while (rc == Z_OK);
    deflateEnd(&d);

    z_stream in;
    memset(&in, 0, sizeof in);
    inflateInit(&in);
    in.next_in = packed;
    in.avail_in = (uInt)total;
    in.next_out = unpacked;
    in.avail_out = N;
    int irc = inflate(&in, Z_FINISH);
    int ok = rc == Z_STREAM_END && irc == Z_STREAM_END && in.total_out == N && memcmp(src, unpacked, N) == 0;
    inflateEnd(&in);
    printf("stream: %lu bytes in %lu chunks, crc32 %08lx, inflate %s\n", total, chunks, stream_crc,
           ok ? "ok" : "FAILED");
    failures += !ok;

    uLongf small = 10;
    printf("compress into 10 bytes: %s\n", compress(packed, &small, src, N) == Z_BUF_ERROR ? "Z_BUF_ERROR" : "unexpected");
    printf("zlib: %d failures\n", failures);
    return failures;
}
