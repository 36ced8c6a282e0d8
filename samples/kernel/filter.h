/* filter.h: the pass-through filter both kfilt1.sys and khog.sys are made of (see their .c). */
#include "kdk.h"

typedef struct {
    PDEVICE_OBJECT Lower;
    LONG Completions;
    ULONG Id;
    ULONG LastScan;
} FILTER_EXT;

extern const ULONG FilterId;
extern const char FilterName[];

/* Runs on the way back up (inside IofCompleteRequest of the driver below). */
HOOKABLE NTSTATUS NTAPI FilterComplete(PDEVICE_OBJECT Device, PIRP Irp, PVOID Context)
{
    FILTER_EXT *ext = (FILTER_EXT *)Context;
    PIO_STACK_LOCATION s = IoGetCurrentIrpStackLocation(Irp);
    (void)Device;
    if (Irp->PendingReturned) IoMarkIrpPending(Irp);
    ext->Completions++;
    if (s->MajorFunction == IRP_MJ_DEVICE_CONTROL && s->Parameters.DeviceIoControl.IoControlCode == IOCTL_KFUNC_COMPUTE &&
        NT_SUCCESS(Irp->IoStatus.Status) && Irp->IoStatus.Information >= 24) {
        ULONG *out = (ULONG *)Irp->AssociatedIrp.SystemBuffer;
        out[5] = out[5] * 16 + ext->Id;
    }
    return STATUS_SUCCESS;
}

HOOKABLE NTSTATUS NTAPI FilterPassDown(FILTER_EXT *ext, PIRP Irp)
{
    IoCopyCurrentIrpStackLocationToNext(Irp);
    IoSetCompletionRoutine(Irp, FilterComplete, ext, TRUE, TRUE, TRUE);
    return IoCallDriver(ext->Lower, Irp);
}

HOOKABLE VOID NTAPI FilterUnload(PDRIVER_OBJECT Driver)
{
    FILTER_EXT *ext = (FILTER_EXT *)Driver->DeviceObject->DeviceExtension;
    DbgPrint("%s: unload after %d completions\n", FilterName, ext->Completions);
    IoDetachDevice(ext->Lower);
    IoDeleteDevice(Driver->DeviceObject);
}

static const WCHAR TargetNameText[] = L"\\Device\\KFunc";

NTKERNELAPI NTSTATUS NTAPI IoGetDeviceObjectPointer(PUNICODE_STRING ObjectName, ACCESS_MASK DesiredAccess, PVOID *FileObject,
                                                   PDEVICE_OBJECT *DeviceObject);
NTKERNELAPI VOID FASTCALL ObfDereferenceObject(PVOID Object);

/* Creates the filter device and attaches it to the top of \Device\KFunc's stack. */
HOOKABLE NTSTATUS FilterAttach(PDRIVER_OBJECT Driver, PDRIVER_DISPATCH Dispatch)
{
    UNICODE_STRING target;
    PDEVICE_OBJECT dev, top;
    PVOID file;
    FILTER_EXT *ext;
    NTSTATUS status;
    RtlInitUnicodeString(&target, TargetNameText);
    status = IoGetDeviceObjectPointer(&target, 0, &file, &top);
    if (!NT_SUCCESS(status)) return status;
    status = IoCreateDevice(Driver, sizeof(FILTER_EXT), NULL, FILE_DEVICE_UNKNOWN, 0, FALSE, &dev);
    if (!NT_SUCCESS(status)) { ObfDereferenceObject(file); return status; }
    ext = (FILTER_EXT *)dev->DeviceExtension;
    ext->Id = FilterId;
    ext->Lower = IoAttachDeviceToDeviceStack(dev, top);
    ObfDereferenceObject(file);
    if (ext->Lower == NULL) { IoDeleteDevice(dev); return STATUS_INSUFFICIENT_RESOURCES; }
    dev->Flags |= ext->Lower->Flags & DO_BUFFERED_IO;
    dev->Flags &= ~DO_DEVICE_INITIALIZING;
    for (int i = 0; i <= IRP_MJ_MAXIMUM_FUNCTION; i++) Driver->MajorFunction[i] = Dispatch;
    Driver->DriverUnload = FilterUnload;
    DbgPrint("%s: attached above %wZ (stack size %d)\n", FilterName, &target, dev->StackSize);
    return STATUS_SUCCESS;
}
