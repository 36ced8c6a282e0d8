/* khog.sys: the stack hog (id 3), a filter attached above kfilt1.sys. HogDispatch keeps a
 * 3000-byte scratch buffer on the stack (a copy of the request's buffer, scanned for a
 * checksum) while it passes the request down: `sub esp, 0xbc0`-sized frames are what
 * seed 002's kf output blames. Kept below one page so no _chkstk is needed. Its completion
 * routine stamps IOCTL_KFUNC_COMPUTE's output[5] = output[5]*16 + 3. */
#include "filter.h"

const ULONG FilterId = 3;
const char FilterName[] = "khog";

#define SCRATCH 3000

HOOKABLE ULONG HogScan(const volatile UCHAR *p, ULONG n)
{
    ULONG h = 0;
    for (ULONG i = 0; i < n; i++) h = (h << 1 | h >> 31) ^ p[i];
    return h;
}

HOOKABLE NTSTATUS NTAPI HogDispatch(PDEVICE_OBJECT Device, PIRP Irp)
{
    volatile UCHAR scratch[SCRATCH];
    FILTER_EXT *ext = (FILTER_EXT *)Device->DeviceExtension;
    PIO_STACK_LOCATION s = IoGetCurrentIrpStackLocation(Irp);
    ULONG n = 0;
    if (s->MajorFunction == IRP_MJ_DEVICE_CONTROL && Irp->AssociatedIrp.SystemBuffer != NULL) {
        const UCHAR *in = (const UCHAR *)Irp->AssociatedIrp.SystemBuffer;
        n = s->Parameters.DeviceIoControl.InputBufferLength;
        if (n > SCRATCH) n = SCRATCH;
        for (ULONG i = 0; i < n; i++) scratch[i] = (UCHAR)(in[i] ^ (UCHAR)i);
    }
    scratch[SCRATCH - 1] = (UCHAR)n;
    ext->LastScan = HogScan(scratch, n);
    return FilterPassDown(ext, Irp);
}

HOOKABLE NTSTATUS NTAPI DriverEntry(PDRIVER_OBJECT Driver, PUNICODE_STRING Registry)
{
    (void)Registry;
    return FilterAttach(Driver, HogDispatch);
}
