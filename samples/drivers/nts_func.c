/* nts_func.sys: the function driver at the bottom of the sample device stack
 * (nts_upper.sys -> nts_lower.sys -> nts_func.sys; README.md). It creates
 * \Device\NtraceSample, starts a system thread, completes the requests itself, queues a DPC
 * from its device-control dispatch routine, and raises and catches an exception (ExRaiseStatus
 * inside a hand-built SEH frame). Clang hot-patch form (/hotpatch, /functionpadmin:5). */
#define NTS_FUNCTION_DRIVER
#include "ntddk_min.h"

typedef struct {
    KSPIN_LOCK lock;
    KDPC dpc;
    ULONG dpc_total;          /* sum of the n of every COMPUTE, added by the DPC */
    ULONG dpc_count;
    KEVENT thread_done;
    ULONG thread_result;      /* 1 + 2 + ... + 1000, computed by the system thread */
    PVOID thread_kthread;     /* the system thread's KTHREAD */
} FUNC_EXT;

static PDEVICE_OBJECT function_device;

/* ---- SEH plumbing (seh_asm.S, shared with samples/seh; fs:[0] is KPCR.NtTib.ExceptionList) */
typedef struct _EXCEPTION_RECORD {
    ULONG ExceptionCode;
    ULONG ExceptionFlags;
    struct _EXCEPTION_RECORD *ExceptionRecord;
    PVOID ExceptionAddress;
    ULONG NumberParameters;
    ULONG_PTR ExceptionInformation[15];
} EXCEPTION_RECORD;
typedef int (*HANDLER)(EXCEPTION_RECORD *, void *, void *, void *);
typedef struct _REG { struct _REG *prev; HANDLER handler; } REG;
typedef struct { REG reg; ULONG jb[6]; volatile int bits; } SEH_FRAME;
int seh_try(SEH_FRAME *f) __attribute__((returns_twice));
void seh_resume(SEH_FRAME *f, int value) __attribute__((noreturn));
void seh_global_unwind(REG *target, EXCEPTION_RECORD *rec);
#define EXCEPTION_NONCONTINUABLE 0x01
#define EXCEPTION_UNWIND 0x06
#define ExceptionContinueSearch 1

static inline void seh_unlink(REG *r)
{
    __asm__ volatile("movl %0, %%fs:0" : : "r"(r->prev) : "memory");
}

/* ---- COMPUTE ---- */
HOOKABLE ULONG square(ULONG i)
{
    return i * i;
}

/* 1² + 2² + ... + n² */
HOOKABLE ULONG sum_squares(ULONG n)
{
    ULONG s = 0;
    for (ULONG i = 1; i <= n; i++)
        s += square(i);
    return s;
}

/* Runs at DISPATCH_LEVEL on the CPU's DPC stack when the dispatch routine lowers IRQL. */
HOOKABLE VOID NTAPI func_dpc(PKDPC dpc, PVOID context, PVOID arg1, PVOID arg2)
{
    FUNC_EXT *ext = context;
    (void)dpc; (void)arg2;
    KIRQL old = KfAcquireSpinLock(&ext->lock);
    ext->dpc_total += (ULONG)(ULONG_PTR)arg1;
    ext->dpc_count++;
    KfReleaseSpinLock(&ext->lock, old);
}

/* Queue the DPC at DISPATCH_LEVEL; it runs when IRQL drops back (inside KfLowerIrql). */
HOOKABLE VOID queue_dpc(FUNC_EXT *ext, ULONG n)
{
    KIRQL old = KfRaiseIrql(DISPATCH_LEVEL);
    KeInsertQueueDpc(&ext->dpc, (PVOID)(ULONG_PTR)n, NULL);
    KfLowerIrql(old);
}

/* ---- the system thread ---- */
HOOKABLE ULONG thread_sum(ULONG n)
{
    ULONG s = 0;
    for (ULONG i = 1; i <= n; i++)
        s += i;
    return s;
}

HOOKABLE VOID NTAPI func_thread(PVOID context)
{
    FUNC_EXT *ext = context;
    ext->thread_kthread = KeGetCurrentThread();
    ext->thread_result = thread_sum(1000);
    KeSetEvent(&ext->thread_done, 0, FALSE);
    PsTerminateSystemThread(STATUS_SUCCESS);
}

/* ---- RAISE: ExRaiseStatus caught two frames up ---- */
HOOKABLE int func_seh_handler(EXCEPTION_RECORD *rec, void *frame, void *ctx, void *dc)
{
    SEH_FRAME *f = frame;
    (void)ctx; (void)dc;
    if (rec->ExceptionFlags & EXCEPTION_UNWIND)
        return ExceptionContinueSearch;
    if (rec->ExceptionCode != (ULONG)STATUS_INVALID_PARAMETER)
        return ExceptionContinueSearch;
    f->bits |= 1;
    if (rec->ExceptionFlags & EXCEPTION_NONCONTINUABLE) /* ExRaiseStatus: noncontinuable */
        f->bits |= 2;
    seh_global_unwind(&f->reg, rec);
    seh_resume(f, 1);
}

HOOKABLE ULONG raise_inner(ULONG n)
{
    ExRaiseStatus(STATUS_INVALID_PARAMETER);
    return n; /* not reached */
}

HOOKABLE ULONG raise_middle(ULONG n)
{
    return raise_inner(n) + 1; /* not reached */
}

/* 700 + 1 (handler saw STATUS_INVALID_PARAMETER) + 2 (noncontinuable) = 703 */
HOOKABLE ULONG raise_and_catch(void)
{
    SEH_FRAME f;
    f.bits = 0;
    f.reg.handler = func_seh_handler;
    if (seh_try(&f) == 0) {
        ULONG r = raise_middle(5);
        seh_unlink(&f.reg);
        return r; /* not reached */
    }
    seh_unlink(&f.reg);
    return 700 + f.bits;
}

/* ---- dispatch routines ---- */
HOOKABLE NTSTATUS complete(PIRP irp, NTSTATUS status, ULONG_PTR information)
{
    irp->IoStatus.Status = status;
    irp->IoStatus.Information = information;
    IofCompleteRequest(irp, IO_NO_INCREMENT);
    return status;
}

HOOKABLE NTSTATUS NTAPI func_create_close(PDEVICE_OBJECT dev, PIRP irp)
{
    (void)dev;
    return complete(irp, STATUS_SUCCESS, 0);
}

HOOKABLE NTSTATUS NTAPI func_device_control(PDEVICE_OBJECT dev, PIRP irp)
{
    FUNC_EXT *ext = dev->DeviceExtension;
    PIO_STACK_LOCATION sl = IoGetCurrentIrpStackLocation(irp);
    ULONG *buf = irp->AssociatedIrp.SystemBuffer;
    ULONG in_len = sl->Parameters.DeviceIoControl.InputBufferLength;
    ULONG out_len = sl->Parameters.DeviceIoControl.OutputBufferLength;
    ULONG n = (buf && in_len >= 4) ? buf[0] : 10;
    ULONG out[2];

    switch (sl->Parameters.DeviceIoControl.IoControlCode) {
    case IOCTL_NTS_COMPUTE:
        if (n > 1000)
            return complete(irp, STATUS_INVALID_PARAMETER, 0);
        queue_dpc(ext, n);
        out[0] = sum_squares(n);
        out[1] = ext->dpc_total;
        DbgPrint("nts_func: COMPUTE n=%lu result=%lu dpc_total=%lu\n", n, out[0], out[1]);
        break;
    case IOCTL_NTS_THREAD:
        KeWaitForSingleObject(&ext->thread_done, Executive, KernelMode, FALSE, NULL);
        out[0] = ext->thread_result;
        out[1] = ext->thread_kthread != KeGetCurrentThread();
        DbgPrint("nts_func: THREAD result=%lu other_thread=%lu\n", out[0], out[1]);
        break;
    case IOCTL_NTS_RAISE:
        out[0] = raise_and_catch();
        out[1] = KeGetCurrentIrql();
        DbgPrint("nts_func: RAISE result=%lu irql=%lu\n", out[0], out[1]);
        break;
    case IOCTL_NTS_BUGCHECK:
        KeBugCheckEx(0xE2 /* MANUALLY_INITIATED_CRASH */, 0x4E545243 /* 'NTRC' */, n, 0, 0);
        return STATUS_SUCCESS; /* not reached */
    default:
        return complete(irp, STATUS_INVALID_DEVICE_REQUEST, 0);
    }
    ULONG_PTR written = 0;
    if (buf && out_len >= 4) { buf[0] = out[0]; written = 4; }
    if (buf && out_len >= 8) { buf[1] = out[1]; written = 8; }
    return complete(irp, STATUS_SUCCESS, written);
}

HOOKABLE VOID NTAPI func_unload(PDRIVER_OBJECT driver)
{
    DbgPrint("nts_func: unload\n");
    IoDeleteDevice(driver->DeviceObject);
    function_device = NULL;
}

/* Exported: the filters attach above this device. */
HOOKABLE PDEVICE_OBJECT NTAPI NtsFunctionDevice(void)
{
    return function_device;
}

HOOKABLE NTSTATUS NTAPI DriverEntry(PDRIVER_OBJECT driver, PUNICODE_STRING registry)
{
    UNICODE_STRING name;
    PDEVICE_OBJECT dev;
    HANDLE thread;
    (void)registry;

    RtlInitUnicodeString(&name, L"\\Device\\NtraceSample");
    NTSTATUS st = IoCreateDevice(driver, sizeof(FUNC_EXT), &name, FILE_DEVICE_UNKNOWN, 0, FALSE, &dev);
    if (!NT_SUCCESS(st))
        return st;
    FUNC_EXT *ext = dev->DeviceExtension;
    KeInitializeSpinLock(&ext->lock);
    KeInitializeDpc(&ext->dpc, func_dpc, ext);
    KeInitializeEvent(&ext->thread_done, NotificationEvent, FALSE);
    ext->dpc_total = 0;
    ext->dpc_count = 0;
    ext->thread_result = 0;
    ext->thread_kthread = NULL;

    driver->MajorFunction[IRP_MJ_CREATE] = func_create_close;
    driver->MajorFunction[IRP_MJ_CLOSE] = func_create_close;
    driver->MajorFunction[IRP_MJ_DEVICE_CONTROL] = func_device_control;
    driver->DriverUnload = func_unload;

    st = PsCreateSystemThread(&thread, THREAD_ALL_ACCESS, NULL, NULL, NULL, func_thread, ext);
    if (!NT_SUCCESS(st)) {
        IoDeleteDevice(dev);
        return st;
    }
    /* A real driver would ZwClose(thread); omitted to stay within the kernel API set ntrace
       implements (the handle is never used). */
    dev->Flags |= DO_BUFFERED_IO;
    dev->Flags &= ~DO_DEVICE_INITIALIZING;
    function_device = dev;
    DbgPrint("nts_func: DriverEntry\n");
    return STATUS_SUCCESS;
}
