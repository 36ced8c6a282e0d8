/* nts_lower.sys: the lower filter, attached directly above nts_func.sys's device. Its
 * device-control path goes through lower_hog_inspect, which has a large local buffer: the
 * "stack hog" of the request (README.md gives its frame size). On the way back its completion
 * routine turns a COMPUTE result r into 2r + 1. Clang hot-patch form. */
#include "ntddk_min.h"

typedef struct {
    PDEVICE_OBJECT lower;      /* the device we attached to */
    ULONG last_checksum;       /* of the hog's buffer */
    ULONG completions;
} FILTER_EXT;

#define HOG_BYTES 3000

/* Called by the hog with a pointer into its buffer, so the hog's frame is measurable from
   the entry ESPs of the two functions. */
HOOKABLE ULONG lower_sum_every_fifth(const volatile UCHAR *p, ULONG n)
{
    ULONG sum = 0;
    for (ULONG i = 0; i < n; i += 5)
        sum += p[i];
    return sum;
}

/* The hog: a 3000-byte buffer on the kernel stack (volatile: the fill stays byte stores, no
   memset; below 4096 bytes so no __chkstk probe). */
HOOKABLE ULONG lower_hog_inspect(const ULONG *buf, ULONG in_len)
{
    volatile UCHAR scratch[HOG_BYTES];
    ULONG seed = (buf && in_len >= 4) ? buf[0] : 10;
    for (ULONG i = 0; i < HOG_BYTES; i++)
        scratch[i] = (UCHAR)(i * 13 + seed);
    return lower_sum_every_fifth(scratch, HOG_BYTES);
}

HOOKABLE NTSTATUS NTAPI lower_completion(PDEVICE_OBJECT dev, PIRP irp, PVOID context)
{
    FILTER_EXT *ext = dev->DeviceExtension;
    PIO_STACK_LOCATION sl = IoGetCurrentIrpStackLocation(irp);
    (void)context;
    if (irp->PendingReturned)
        IoMarkIrpPending(irp);
    ext->completions++;
    if (sl->MajorFunction == IRP_MJ_DEVICE_CONTROL
        && sl->Parameters.DeviceIoControl.IoControlCode == IOCTL_NTS_COMPUTE
        && NT_SUCCESS(irp->IoStatus.Status) && irp->IoStatus.Information >= 4) {
        ULONG *buf = irp->AssociatedIrp.SystemBuffer;
        buf[0] = 2 * buf[0] + 1;
    }
    return STATUS_SUCCESS; /* let completion continue upwards */
}

HOOKABLE NTSTATUS NTAPI lower_dispatch(PDEVICE_OBJECT dev, PIRP irp)
{
    FILTER_EXT *ext = dev->DeviceExtension;
    PIO_STACK_LOCATION sl = IoGetCurrentIrpStackLocation(irp);
    if (sl->MajorFunction != IRP_MJ_DEVICE_CONTROL) {
        IoSkipCurrentIrpStackLocation(irp);
        return IofCallDriver(ext->lower, irp);
    }
    ext->last_checksum = lower_hog_inspect(irp->AssociatedIrp.SystemBuffer,
                                           sl->Parameters.DeviceIoControl.InputBufferLength);
    IoCopyCurrentIrpStackLocationToNext(irp);
    IoSetCompletionRoutine(irp, lower_completion, NULL, TRUE, TRUE, TRUE);
    return IofCallDriver(ext->lower, irp);
}

HOOKABLE VOID NTAPI lower_unload(PDRIVER_OBJECT driver)
{
    FILTER_EXT *ext = driver->DeviceObject->DeviceExtension;
    DbgPrint("nts_lower: unload after %lu completions\n", ext->completions);
    IoDetachDevice(ext->lower);
    IoDeleteDevice(driver->DeviceObject);
}

HOOKABLE NTSTATUS NTAPI DriverEntry(PDRIVER_OBJECT driver, PUNICODE_STRING registry)
{
    PDEVICE_OBJECT dev;
    (void)registry;
    PDEVICE_OBJECT target = NtsFunctionDevice();
    if (!target)
        return STATUS_NO_SUCH_DEVICE;
    NTSTATUS st = IoCreateDevice(driver, sizeof(FILTER_EXT), NULL, FILE_DEVICE_UNKNOWN, 0, FALSE, &dev);
    if (!NT_SUCCESS(st))
        return st;
    FILTER_EXT *ext = dev->DeviceExtension;
    ext->last_checksum = 0;
    ext->completions = 0;
    ext->lower = IoAttachDeviceToDeviceStack(dev, target);
    if (!ext->lower) {
        IoDeleteDevice(dev);
        return STATUS_NO_SUCH_DEVICE;
    }
    for (int i = 0; i <= IRP_MJ_MAXIMUM_FUNCTION; i++)
        driver->MajorFunction[i] = lower_dispatch;
    driver->DriverUnload = lower_unload;
    dev->Flags |= ext->lower->Flags & DO_BUFFERED_IO;
    dev->Flags &= ~DO_DEVICE_INITIALIZING;
    DbgPrint("nts_lower: attached\n");
    return STATUS_SUCCESS;
}
