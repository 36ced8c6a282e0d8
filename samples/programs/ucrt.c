/* ucrt.exe: a C program on the Universal CRT, importing it through the API sets
 * (api-ms-win-crt-stdio-l1-1-0.dll!__stdio_common_vfprintf, api-ms-win-crt-runtime-l1-1-0.dll!exit,
 * ...), as mingw-w64 builds it for ucrt (see build.sh: GCC 12 has no -mcrtdll=ucrt, so the
 * build uses the equivalent specs: -D_UCRT and -lucrt instead of -lmsvcrt).
 * The formatted output shows C99 behaviour of ucrtbase that msvcrt.dll lacks: two-digit
 * exponents, "inf"/"nan", %zu, %hhd, %a, snprintf truncation counts. Exit code 11. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>
#include <stddef.h>

static int by_value(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
    printf("ucrt: argc %d, argv[1] %s\n", argc, argc > 1 ? argv[1] : "(none)");
    printf("exponents: %e %g %E\n", 12345.678, 1e20, 0.000125);
    printf("special: %f %f %F\n", HUGE_VAL, -HUGE_VAL, INFINITY);
    printf("nan: %s\n", isnan(nan("")) ? "isnan" : "not nan");
    printf("sizes: %zu %td %hhd %hd %lld %llu %#llx\n", sizeof(double), (ptrdiff_t)-5, (char)300,
           (short)70000, -1234567890123LL, 18446744073709551615ULL, 0xDEADBEEFCAFEULL);
    printf("hex float: %a %.3a\n", 1.0, 10.5);

    char small[8];
    int would = snprintf(small, sizeof small, "%s-%d", "truncated", 12345);
    printf("snprintf: would write %d, got \"%s\"\n", would, small);

    double v[] = {3.5, -1.25, 1e3, 0.0, 2.75, -40.0};
    qsort(v, 6, sizeof v[0], by_value);
    char line[128];
    int n = 0;
    for (int i = 0; i < 6; i++)
        n += sprintf(line + n, "%s%.2f", i ? " " : "", v[i]);
    printf("sorted: %s (%d chars)\n", line, n);
    printf("strtod: %.6f %.1f\n", strtod("0x1.8p3", NULL), strtod("  -2.5e2", NULL));

    long total = 0;
    for (int i = 1; i <= 100; i++)
        total += i * i;
    printf("sum of squares 1..100 = %ld\n", total);
    return 11;
}
