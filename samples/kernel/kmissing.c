/* kmissing.sys: imports ntoskrnl!KeQueryPerformanceCounter, which the ntrace kernel does not
 * implement: loading it must fail naming that import. */
#include "kdk.h"

NTKERNELAPI LARGE_INTEGER NTAPI KeQueryPerformanceCounter(PLARGE_INTEGER Frequency);

HOOKABLE NTSTATUS NTAPI DriverEntry(PDRIVER_OBJECT Driver, PUNICODE_STRING Registry)
{
    (void)Driver; (void)Registry;
    return (NTSTATUS)KeQueryPerformanceCounter(NULL).u.LowPart;
}
