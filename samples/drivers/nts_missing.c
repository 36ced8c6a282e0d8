/* nts_missing.sys: a driver importing ntoskrnl.exe!NtraceNoSuchKernelApi, which no kernel
 * exports (import library from ntoskrnl_extra.def). Loading it must fail naming the API;
 * Windows refuses it too (STATUS_PROCEDURE_NOT_FOUND / STATUS_DRIVER_ENTRYPOINT_NOT_FOUND). */
#include "ntddk_min.h"

NTKERNELAPI NTSTATUS NTAPI NtraceNoSuchKernelApi(ULONG value);

HOOKABLE NTSTATUS NTAPI DriverEntry(PDRIVER_OBJECT driver, PUNICODE_STRING registry)
{
    (void)driver; (void)registry;
    DbgPrint("nts_missing: DriverEntry\n");
    return NtraceNoSuchKernelApi(1);
}
