/* kfunc.sys: the function driver at the bottom of the sample device stack (seed 002 spirit).
 * Device \Device\KFunc; handles IRP_MJ_CREATE, IRP_MJ_CLOSE and IRP_MJ_DEVICE_CONTROL.
 *
 * IOCTL_KFUNC_COMPUTE (0x80002000), input = any bytes, output = 6 dwords (Information 24):
 *   [0] sum of the input bytes                               (ChecksumInput, in the dispatch)
 *   [1] FNV-1a 32 of the input bytes                         (WorkerThread, a system thread the
 *       dispatch starts with PsCreateSystemThread and waits for with KeWaitForSingleObject)
 *   [2] 0xC0000095 when sum > 255, else 0: MayRaise raises STATUS_INTEGER_OVERFLOW with
 *       ExRaiseStatus, caught by a hand-built SEH frame in RaiseAndCatch (RtlUnwind + resume)
 *   [3] DPCs that ran on this CPU before KeReleaseSpinLock returned (1: the local DPC, queued
 *       at DISPATCH_LEVEL under the spin lock, runs when the IRQL drops)
 *   [4] KeNumberProcessors (one DPC per processor is queued; the others run on their CPUs)
 *   [5] completion stamp: 1 here; each filter's completion routine makes it stamp*16 + its id
 *       on the way back (kfilt1 = 2, khog = 3): 0x123 through the full stack.
 * IOCTL_KFUNC_QUERY (0x80002004): output = [count, requester KTHREAD, then per DPC run:
 *   cpu, esp, KTHREAD (fs:[0x124]), irql] — what the DPCs recorded in the device extension.
 * IOCTL_KFUNC_BUGCHECK (0x80002008): KeBugCheckEx(0xE2, first input dword, sum, 0, 0).
 */
#include "kdk.h"
#include "kseh.h"

#define MAX_CPUS 8
#define TAG 0x636e754b /* 'Kunc' */

typedef struct {
    KSPIN_LOCK Lock;
    KDPC Dpc[MAX_CPUS];
    volatile LONG DpcRuns;
    ULONG DpcCpu[MAX_CPUS], DpcEsp[MAX_CPUS], DpcThread[MAX_CPUS], DpcIrql[MAX_CPUS];
    PVOID Requester;
    KEVENT WorkDone;
    const UCHAR *WorkInput;
    ULONG WorkLength;
    ULONG WorkResult;
    LONG Opens;
    PDEVICE_OBJECT Device;
} KFUNC_EXT;

static const WCHAR DeviceNameText[] = L"\\Device\\KFunc";

HOOKABLE ULONG ChecksumInput(const UCHAR *p, ULONG n)
{
    ULONG s = 0;
    for (ULONG i = 0; i < n; i++) s += p[i];
    return s;
}

HOOKABLE ULONG Fnv1a(const UCHAR *p, ULONG n)
{
    ULONG h = 2166136261u;
    for (ULONG i = 0; i < n; i++) h = (h ^ p[i]) * 16777619u;
    return h;
}

/* Runs at DISPATCH_LEVEL on the DPC stack of the CPU it was queued on; records where. */
HOOKABLE VOID NTAPI DpcRoutine(PKDPC Dpc, PVOID Context, PVOID Arg1, PVOID Arg2)
{
    KFUNC_EXT *ext = (KFUNC_EXT *)Context;
    ULONG esp, thread;
    LONG slot;
    (void)Dpc; (void)Arg1; (void)Arg2;
    __asm__ volatile("movl %%esp, %0" : "=r"(esp));
    __asm__ volatile("movl %%fs:0x124, %0" : "=r"(thread));
    slot = _InterlockedIncrement(&ext->DpcRuns) - 1;
    if (slot < MAX_CPUS) {
        ext->DpcCpu[slot] = KeGetCurrentProcessorNumber();
        ext->DpcEsp[slot] = esp;
        ext->DpcThread[slot] = thread;
        ext->DpcIrql[slot] = KeGetCurrentIrql();
    }
}

HOOKABLE VOID NTAPI WorkerThread(PVOID Context)
{
    KFUNC_EXT *ext = (KFUNC_EXT *)Context;
    ext->WorkResult = Fnv1a(ext->WorkInput, ext->WorkLength);
    KeSetEvent(&ext->WorkDone, 0, FALSE);
    PsTerminateSystemThread(STATUS_SUCCESS);
}

HOOKABLE VOID MayRaise(ULONG sum)
{
    if (sum > 255) ExRaiseStatus(STATUS_INTEGER_OVERFLOW);
}

HOOKABLE EXCEPTION_DISPOSITION __cdecl CatchHandler(EXCEPTION_RECORD *rec, void *frame, void *ctx, void *dc)
{
    KSEH_FRAME *f = (KSEH_FRAME *)frame;
    (void)ctx; (void)dc;
    if (rec->ExceptionFlags & (EXCEPTION_UNWINDING | EXCEPTION_EXIT_UNWIND)) return ExceptionContinueSearch;
    f->code = rec->ExceptionCode;
    kseh_global_unwind(&f->reg, rec);
    kseh_resume(f, 1);
}

HOOKABLE ULONG RaiseAndCatch(ULONG sum)
{
    KSEH_FRAME f;
    f.code = 0;
    f.reg.handler = CatchHandler;
    if (kseh_try(&f) == 0) {
        MayRaise(sum);
        kseh_unlink(&f);
        return 0;
    }
    kseh_unlink(&f);
    return f.code;
}

HOOKABLE ULONG QueueDpcs(KFUNC_EXT *ext)
{
    KIRQL old;
    ULONG me = KeGetCurrentProcessorNumber();
    ULONG n = (ULONG)KeNumberProcessors, local;
    if (n > MAX_CPUS) n = MAX_CPUS;
    for (ULONG i = 0; i < n; i++) {
        KeInitializeDpc(&ext->Dpc[i], DpcRoutine, ext);
        KeSetTargetProcessorDpc(&ext->Dpc[i], (CCHAR)((me + i) % n));
    }
    KeAcquireSpinLock(&ext->Lock, &old);
    /* Queue the remote DPCs first, the local one last, all at DISPATCH_LEVEL. */
    for (ULONG i = n; i-- > 0;) KeInsertQueueDpc(&ext->Dpc[i], NULL, NULL);
    KeReleaseSpinLock(&ext->Lock, old); /* IRQL drops: the local DPC runs here */
    local = 0;
    for (LONG k = 0; k < ext->DpcRuns && k < MAX_CPUS; k++) if (ext->DpcCpu[k] == me) local++;
    return local;
}

HOOKABLE NTSTATUS Compute(KFUNC_EXT *ext, PIRP Irp, PIO_STACK_LOCATION s)
{
    ULONG *out = (ULONG *)Irp->AssociatedIrp.SystemBuffer;
    const UCHAR *in = (const UCHAR *)Irp->AssociatedIrp.SystemBuffer;
    ULONG inLen = s->Parameters.DeviceIoControl.InputBufferLength;
    ULONG sum, local;
    HANDLE thread;
    if (s->Parameters.DeviceIoControl.OutputBufferLength < 24) return STATUS_BUFFER_TOO_SMALL;
    sum = ChecksumInput(in, inLen);
    ext->Requester = KeGetCurrentThread();
    ext->DpcRuns = 0;
    local = QueueDpcs(ext);

    ext->WorkInput = in;
    ext->WorkLength = inLen;
    KeInitializeEvent(&ext->WorkDone, NotificationEvent, FALSE);
    if (!NT_SUCCESS(PsCreateSystemThread(&thread, 0, NULL, NULL, NULL, WorkerThread, ext))) return STATUS_INSUFFICIENT_RESOURCES;
    KeWaitForSingleObject(&ext->WorkDone, Executive, KernelMode, FALSE, NULL);
    ZwClose(thread);

    out[2] = RaiseAndCatch(sum);
    out[0] = sum;
    out[1] = ext->WorkResult;
    out[3] = local;
    out[4] = (ULONG)KeNumberProcessors;
    out[5] = 1;
    Irp->IoStatus.Information = 24;
    return STATUS_SUCCESS;
}

HOOKABLE NTSTATUS Query(KFUNC_EXT *ext, PIRP Irp, PIO_STACK_LOCATION s)
{
    ULONG *out = (ULONG *)Irp->AssociatedIrp.SystemBuffer;
    ULONG n = (ULONG)ext->DpcRuns, cap = s->Parameters.DeviceIoControl.OutputBufferLength;
    if (n > MAX_CPUS) n = MAX_CPUS;
    if (cap < 8 + 16 * n) return STATUS_BUFFER_TOO_SMALL;
    out[0] = n;
    out[1] = (ULONG)ext->Requester;
    for (ULONG i = 0; i < n; i++) {
        out[2 + 4 * i] = ext->DpcCpu[i];
        out[3 + 4 * i] = ext->DpcEsp[i];
        out[4 + 4 * i] = ext->DpcThread[i];
        out[5 + 4 * i] = ext->DpcIrql[i];
    }
    Irp->IoStatus.Information = 8 + 16 * n;
    return STATUS_SUCCESS;
}

HOOKABLE NTSTATUS NTAPI KFuncDeviceControl(PDEVICE_OBJECT Device, PIRP Irp)
{
    KFUNC_EXT *ext = (KFUNC_EXT *)Device->DeviceExtension;
    PIO_STACK_LOCATION s = IoGetCurrentIrpStackLocation(Irp);
    NTSTATUS status;
    Irp->IoStatus.Information = 0;
    switch (s->Parameters.DeviceIoControl.IoControlCode) {
    case IOCTL_KFUNC_COMPUTE:
        status = Compute(ext, Irp, s);
        break;
    case IOCTL_KFUNC_QUERY:
        status = Query(ext, Irp, s);
        break;
    case IOCTL_KFUNC_BUGCHECK: {
        const ULONG *in = (const ULONG *)Irp->AssociatedIrp.SystemBuffer;
        ULONG inLen = s->Parameters.DeviceIoControl.InputBufferLength;
        KeBugCheckEx(0xE2, inLen >= 4 ? in[0] : 0, ChecksumInput((const UCHAR *)in, inLen), 0, 0);
        status = STATUS_SUCCESS;
        break;
    }
    default:
        status = STATUS_INVALID_DEVICE_REQUEST;
    }
    Irp->IoStatus.Status = status;
    IoCompleteRequest(Irp, IO_NO_INCREMENT);
    return status;
}

HOOKABLE NTSTATUS NTAPI KFuncCreateClose(PDEVICE_OBJECT Device, PIRP Irp)
{
    KFUNC_EXT *ext = (KFUNC_EXT *)Device->DeviceExtension;
    if (IoGetCurrentIrpStackLocation(Irp)->MajorFunction == IRP_MJ_CREATE) ext->Opens++;
    else ext->Opens--;
    Irp->IoStatus.Status = STATUS_SUCCESS;
    Irp->IoStatus.Information = 0;
    IoCompleteRequest(Irp, IO_NO_INCREMENT);
    return STATUS_SUCCESS;
}

HOOKABLE VOID NTAPI KFuncUnload(PDRIVER_OBJECT Driver)
{
    DbgPrint("kfunc: unload (opens %d)\n", ((KFUNC_EXT *)Driver->DeviceObject->DeviceExtension)->Opens);
    IoDeleteDevice(Driver->DeviceObject);
}

HOOKABLE NTSTATUS NTAPI DriverEntry(PDRIVER_OBJECT Driver, PUNICODE_STRING Registry)
{
    UNICODE_STRING name;
    PDEVICE_OBJECT dev;
    KFUNC_EXT *ext;
    NTSTATUS status;
    (void)Registry;
    RtlInitUnicodeString(&name, DeviceNameText);
    status = IoCreateDevice(Driver, sizeof(KFUNC_EXT), &name, FILE_DEVICE_UNKNOWN, 0, FALSE, &dev);
    if (!NT_SUCCESS(status)) return status;
    ext = (KFUNC_EXT *)dev->DeviceExtension;
    ext->Device = dev;
    KeInitializeSpinLock(&ext->Lock);
    dev->Flags |= DO_BUFFERED_IO;
    dev->Flags &= ~DO_DEVICE_INITIALIZING;
    Driver->MajorFunction[IRP_MJ_CREATE] = KFuncCreateClose;
    Driver->MajorFunction[IRP_MJ_CLOSE] = KFuncCreateClose;
    Driver->MajorFunction[IRP_MJ_DEVICE_CONTROL] = KFuncDeviceControl;
    Driver->DriverUnload = KFuncUnload;
    DbgPrint("kfunc: created %wZ (stack size %d, extension %u bytes)\n", &name, dev->StackSize, (ULONG)sizeof(KFUNC_EXT));
    return STATUS_SUCCESS;
}
