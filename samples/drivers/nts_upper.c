/* nts_upper.sys: the upper filter, attached above nts_lower.sys: the top of the stack, where
 * requests enter. On the way down it adds 1 to a COMPUTE request's n (when the request carries
 * one); on the way back its completion routine turns the result r into 3r + 2. Clang
 * hot-patch form. */
#include "ntddk_min.h"

typedef struct {
    PDEVICE_OBJECT lower;
    ULONG completions;
} FILTER_EXT;

HOOKABLE NTSTATUS NTAPI upper_completion(PDEVICE_OBJECT dev, PIRP irp, PVOID context)
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
        buf[0] = 3 * buf[0] + 2;
    }
    return STATUS_SUCCESS;
}

HOOKABLE VOID upper_adjust_request(PIRP irp, PIO_STACK_LOCATION sl)
{
    ULONG *buf = irp->AssociatedIrp.SystemBuffer;
    if (sl->Parameters.DeviceIoControl.IoControlCode == IOCTL_NTS_COMPUTE && buf
        && sl->Parameters.DeviceIoControl.InputBufferLength >= 4)
        buf[0] += 1;
}

HOOKABLE NTSTATUS NTAPI upper_dispatch(PDEVICE_OBJECT dev, PIRP irp)
{
    FILTER_EXT *ext = dev->DeviceExtension;
    PIO_STACK_LOCATION sl = IoGetCurrentIrpStackLocation(irp);
    if (sl->MajorFunction != IRP_MJ_DEVICE_CONTROL) {
        IoSkipCurrentIrpStackLocation(irp);
        return IofCallDriver(ext->lower, irp);
    }
    upper_adjust_request(irp, sl);
    IoCopyCurrentIrpStackLocationToNext(irp);
    IoSetCompletionRoutine(irp, upper_completion, NULL, TRUE, TRUE, TRUE);
    return IofCallDriver(ext->lower, irp);
}

HOOKABLE VOID NTAPI upper_unload(PDRIVER_OBJECT driver)
{
    FILTER_EXT *ext = driver->DeviceObject->DeviceExtension;
    DbgPrint("nts_upper: unload after %lu completions\n", ext->completions);
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
    ext->completions = 0;
    /* attaches to the top of the stack the function device is in: nts_lower's device when
       nts_lower.sys was loaded first */
    ext->lower = IoAttachDeviceToDeviceStack(dev, target);
    if (!ext->lower) {
        IoDeleteDevice(dev);
        return STATUS_NO_SUCH_DEVICE;
    }
    for (int i = 0; i <= IRP_MJ_MAXIMUM_FUNCTION; i++)
        driver->MajorFunction[i] = upper_dispatch;
    driver->DriverUnload = upper_unload;
    dev->Flags |= ext->lower->Flags & DO_BUFFERED_IO;
    dev->Flags &= ~DO_DEVICE_INITIALIZING;
    DbgPrint("nts_upper: attached\n");
    return STATUS_SUCCESS;
}
