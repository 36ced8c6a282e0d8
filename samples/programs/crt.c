/* crt.exe: everyday C runtime calls through msvcrt.dll: qsort with a callback,
 * malloc/realloc/free growth, sprintf/sscanf/strtod/strtol (mingw's C99 versions, linked in)
 * and msvcrt's own _snprintf, string functions.
 * Prints what it computed; exits with 7 when every check passed (100 + failures otherwise). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ctype.h>

static int failures;

static void check(int ok, const char *what)
{
    if (!ok) {
        failures++;
        printf("FAILED: %s\n", what);
    }
}

static int compare_ints(const void *a, const void *b)
{
    int x = *(const int *)a, y = *(const int *)b;
    return (x > y) - (x < y);
}

static int compare_names(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static void sorting(void)
{
    int v[16];
    unsigned seed = 12345;
    for (int i = 0; i < 16; i++) {
        seed = seed * 1103515245u + 12345u;
        v[i] = (int)((seed >> 16) % 1000) - 500;
    }
    qsort(v, 16, sizeof v[0], compare_ints);
    printf("sorted:");
    for (int i = 0; i < 16; i++)
        printf(" %d", v[i]);
    printf("\n");
    for (int i = 1; i < 16; i++)
        check(v[i - 1] <= v[i], "qsort order");

    const char *names[] = {"kernel32", "ntdll", "msvcrt", "user32", "advapi32", "gdi32"};
    qsort(names, 6, sizeof names[0], compare_names);
    printf("names:");
    for (int i = 0; i < 6; i++)
        printf(" %s", names[i]);
    printf("\n");
}

static void growth(void)
{
    size_t cap = 4, len = 0;
    int *a = malloc(cap * sizeof *a);
    int reallocs = 0;
    for (int i = 0; i < 10000; i++) {
        if (len == cap) {
            cap *= 2;
            int *b = realloc(a, cap * sizeof *a);
            check(b != NULL, "realloc");
            a = b;
            reallocs++;
        }
        a[len++] = i * 3;
    }
    long long sum = 0;
    for (size_t i = 0; i < len; i++)
        sum += a[i];
    free(a);
    printf("growth: %u elements, capacity %u, %d reallocs, sum %lld\n",
           (unsigned)len, (unsigned)cap, reallocs, sum);
    check(sum == 149985000LL, "growth sum");

    /* many small blocks freed in a different order */
    char *blocks[64];
    for (int i = 0; i < 64; i++) {
        blocks[i] = malloc(16 + i * 7);
        memset(blocks[i], 'a' + i % 26, 16 + i * 7);
    }
    int bytes = 0;
    for (int i = 0; i < 64; i += 2) { bytes += (int)(16 + i * 7); free(blocks[i]); }
    for (int i = 1; i < 64; i += 2) {
        check(blocks[i][15 + i * 7] == 'a' + i % 26, "block contents");
        bytes += (int)(16 + i * 7);
        free(blocks[i]);
    }
    char *z = calloc(100, 1);
    int zeros = 0;
    for (int i = 0; i < 100; i++) zeros += z[i] == 0;
    free(z);
    printf("blocks: 64 freed, %d bytes; calloc zeros %d\n", bytes, zeros);
}

static void formatting(void)
{
    char buf[128];
    int n = sprintf(buf, "[%5d|%-5d|%05d|%x|%X|%o|%c|%s|%.3s|%%]", 42, -42, 42, 0xbeef, 0xbeef, 8, 'Z', "str", "abcdef");
    printf("sprintf(%d): %s\n", n, buf);
    sprintf(buf, "%.2f %.6e %g %g %8.3f", 3.14159, 12345.678, 0.0001, 1e20, -2.5);
    printf("floats: %s\n", buf);
    /* printf/sprintf above are mingw's C99 implementation (linked into the image: mingw-w64
     * turns __USE_MINGW_ANSI_STDIO on for C99 and later); _snprintf is msvcrt.dll's own,
     * which writes three exponent digits */
    n = _snprintf(buf, sizeof buf, "%e|%g|%.3E|%5.1f|%I64d", 12345.678, 1e20, 0.5, 2.25, -(1LL << 40));
    printf("msvcrt _snprintf(%d): %s\n", n, buf);

    int a = 0, b = 0;
    char word[32] = "";
    double d = 0;
    int got = sscanf("  17 0x1f  token  2.5e3", "%d %i %31s %lf", &a, &b, word, &d);
    printf("sscanf: %d fields: %d %d %s %.1f\n", got, a, b, word, d);
    check(got == 4 && a == 17 && b == 31 && d == 2500.0, "sscanf");

    char *end;
    double x = strtod("  -1234.5e-2xyz", &end);
    printf("strtod: %.4f rest \"%s\"\n", x, end);
    long l1 = strtol("-0x7fff", &end, 16);
    long l2 = strtol("0777", NULL, 0);
    long l3 = strtol("zz", NULL, 36);
    unsigned long ul = strtoul("4294967295", NULL, 10);
    printf("strtol: %ld %ld %ld strtoul: %lu\n", l1, l2, l3, ul);
    check(l1 == -0x7fff && l2 == 511 && l3 == 1295 && ul == 4294967295UL, "strtol");
    printf("atoi: %d atol: %ld\n", atoi("  -99abc"), atol("123456"));
}

static void strings(void)
{
    char buf[64];
    strcpy(buf, "Hello");
    strcat(buf, ", ");
    strncat(buf, "Windows world", 7);
    printf("strcat: \"%s\" length %u\n", buf, (unsigned)strlen(buf));
    printf("strchr: %s strrchr: %s strstr: %s\n", strchr(buf, 'l'), strrchr(buf, 'l'), strstr(buf, "Win"));
    printf("strcmp: %d %d %d strncmp: %d\n",
           strcmp("abc", "abd") < 0, strcmp("b", "a") > 0, strcmp("same", "same"), strncmp("abcX", "abcY", 3));
    printf("_stricmp: %d memcmp: %d\n", _stricmp("MiXeD", "mixed"), memcmp("\x01\x02", "\x01\x03", 2) < 0);

    char tok[] = "alpha, beta;gamma,,delta";
    printf("strtok:");
    for (char *t = strtok(tok, ",; "); t; t = strtok(NULL, ",; "))
        printf(" <%s>", t);
    printf("\n");

    char up[16];
    const char *src = "MixedCase09";
    size_t i;
    for (i = 0; src[i]; i++)
        up[i] = (char)toupper((unsigned char)src[i]);
    up[i] = 0;
    printf("toupper: %s strspn: %u strcspn: %u\n", up, (unsigned)strspn("123abc", "0123456789"),
           (unsigned)strcspn("hello world", " "));

    char m[16];
    memset(m, '.', sizeof m);
    memcpy(m, "0123456789", 10);
    memmove(m + 2, m, 8);
    m[15] = 0;
    printf("memmove: %s\n", m);
    char *dup = _strdup("duplicate");
    printf("_strdup: %s\n", dup);
    free(dup);
}

int main(void)
{
    sorting();
    growth();
    formatting();
    strings();
    printf("crt: %d failures\n", failures);
    return failures ? 100 + failures : 7;
}
