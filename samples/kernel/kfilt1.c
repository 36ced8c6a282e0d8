/* kfilt1.sys: a plain pass-through filter (id 2) attached above kfunc.sys. Every request is
 * passed down with IoCopyCurrentIrpStackLocationToNext + IoSetCompletionRoutine + IoCallDriver;
 * its completion routine stamps IOCTL_KFUNC_COMPUTE's output[5] = output[5]*16 + 2. */
#include "filter.h"

const ULONG FilterId = 2;
const char FilterName[] = "kfilt1";

HOOKABLE NTSTATUS NTAPI Filt1Dispatch(PDEVICE_OBJECT Device, PIRP Irp)
{
    return FilterPassDown((FILTER_EXT *)Device->DeviceExtension, Irp);
}

HOOKABLE NTSTATUS NTAPI DriverEntry(PDRIVER_OBJECT Driver, PUNICODE_STRING Registry)
{
    (void)Registry;
    return FilterAttach(Driver, Filt1Dispatch);
}
