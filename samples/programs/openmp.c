/* openmp.exe: OpenMP with GCC's libgomp-1.dll (threads from libwinpthread-1.dll).
 *  - parallel for with a sum reduction over 1..2,000,000
 *  - parallel for, schedule(dynamic), filling an array, then a max reduction
 *  - a parallel region of exactly 3 threads (num_threads(3)) counting members with atomics
 *    and entering a critical section once each
 *  - nested work: parallel sections
 * Only values that do not depend on the CPU count or the interleaving are printed
 * (omp_get_max_threads() and omp_get_num_procs() are not). Exit code 0 when all match. */
#include <omp.h>
#include <stdio.h>

static int data[100000];

int main(void)
{
    int failures = 0;

    long long sum = 0;
#pragma omp parallel for reduction(+ : sum)
    for (int i = 1; i <= 2000000; i++)
        sum += i % 7 == 0 ? 3LL * i : i;
    printf("reduction sum: %lld\n", sum);
    failures += sum != 2571430428570LL;

#pragma omp parallel for schedule(dynamic, 64)
    for (int i = 0; i < 100000; i++)
        data[i] = (int)((i * 2654435761u) % 1000003u);
    int best = -1;
#pragma omp parallel for reduction(max : best)
    for (int i = 0; i < 100000; i++)
        if (data[i] > best)
            best = data[i];
    long long check = 0;
    for (int i = 0; i < 100000; i++)
        check += data[i];
    printf("dynamic fill: max %d, sum %lld\n", best, check);

    int members = 0, critical_entries = 0, team = 0;
#pragma omp parallel num_threads(3)
    {
#pragma omp atomic
        members++;
#pragma omp critical
        critical_entries++;
#pragma omp single
        team = omp_get_num_threads();
    }
    printf("team of %d: %d members, %d critical entries\n", team, members, critical_entries);
    failures += members != 3 || critical_entries != 3 || team != 3;

    int a = 0, b = 0;
#pragma omp parallel sections
    {
#pragma omp section
        for (int i = 1; i <= 100; i++) a += i;
#pragma omp section
        for (int i = 1; i <= 10; i++) b += i * i;
    }
    printf("sections: %d %d\n", a, b);
    failures += a != 5050 || b != 385;
    printf("in parallel outside a region: %d\n", omp_in_parallel());
    printf("openmp: %d failures\n", failures);
    return failures;
}
