/* kdk.h: the minimal WDK-like declarations the ntrace kernel samples use (no WDK needed).
 *
 * Layouts are the real x86 ones of Windows 7 SP1 (the release whose KTHREAD/ETHREAD offsets
 * the ntrace machine uses); every structure's size and the offsets the machine relies on are
 * checked with _Static_assert. The inline "macros" (IoGetCurrentIrpStackLocation,
 * IoCopyCurrentIrpStackLocationToNext, IoSkipCurrentIrpStackLocation, IoSetCompletionRoutine,
 * IoMarkIrpPending) are the WDK's, as static inline functions.
 *
 * HOOKABLE: clang-cl /hotpatch (first instruction >= 2 bytes) + lld-link /functionpadmin:5;
 * noinline and no tail calls, so every C function is a traced function.
 */
#ifndef NTRACE_KDK_H
#define NTRACE_KDK_H

#define HOOKABLE __declspec(noinline) __attribute__((disable_tail_calls))
#define NTAPI __stdcall
#define FASTCALL __fastcall
#define NTKERNELAPI __declspec(dllimport)
#define NTHALAPI __declspec(dllimport)

typedef unsigned char UCHAR, BOOLEAN, KIRQL, *PUCHAR, *PKIRQL;
typedef char CHAR, CCHAR;
typedef short SHORT, CSHORT;
typedef unsigned short USHORT, WCHAR, *PWSTR;
typedef long LONG, NTSTATUS;
typedef unsigned long ULONG, *PULONG, ULONG_PTR, SIZE_T, KSPIN_LOCK, *PKSPIN_LOCK, ACCESS_MASK, KAFFINITY;
typedef void VOID, *PVOID, *HANDLE, **PHANDLE;
typedef long long LONGLONG;
typedef union { struct { ULONG LowPart; LONG HighPart; } u; LONGLONG QuadPart; } LARGE_INTEGER, *PLARGE_INTEGER;
#define NULL ((void *)0)
#define TRUE 1
#define FALSE 0

#define STATUS_SUCCESS                   ((NTSTATUS)0x00000000L)
#define STATUS_PENDING                   ((NTSTATUS)0x00000103L)
#define STATUS_MORE_PROCESSING_REQUIRED  ((NTSTATUS)0xC0000016L)
#define STATUS_INVALID_DEVICE_REQUEST    ((NTSTATUS)0xC0000010L)
#define STATUS_BUFFER_TOO_SMALL          ((NTSTATUS)0xC0000023L)
#define STATUS_INSUFFICIENT_RESOURCES    ((NTSTATUS)0xC000009AL)
#define STATUS_INTEGER_OVERFLOW          ((NTSTATUS)0xC0000095L)
#define NT_SUCCESS(s) ((NTSTATUS)(s) >= 0)

#define PASSIVE_LEVEL  0
#define APC_LEVEL      1
#define DISPATCH_LEVEL 2

typedef struct _LIST_ENTRY { struct _LIST_ENTRY *Flink, *Blink; } LIST_ENTRY;

typedef struct _UNICODE_STRING {
    USHORT Length;
    USHORT MaximumLength;
    PWSTR Buffer;
} UNICODE_STRING, *PUNICODE_STRING;
_Static_assert(sizeof(UNICODE_STRING) == 8, "UNICODE_STRING");

typedef struct _IO_STATUS_BLOCK {
    union { NTSTATUS Status; PVOID Pointer; };
    ULONG_PTR Information;
} IO_STATUS_BLOCK, *PIO_STATUS_BLOCK;

/* DISPATCHER_HEADER (0x10) / KEVENT */
typedef struct _DISPATCHER_HEADER {
    UCHAR Type;          /* 0 NotificationEvent, 1 SynchronizationEvent */
    UCHAR Absolute;
    UCHAR Size;          /* in dwords */
    UCHAR Inserted;
    LONG SignalState;    /* +4 */
    LIST_ENTRY WaitListHead; /* +8 */
} DISPATCHER_HEADER;
typedef struct _KEVENT { DISPATCHER_HEADER Header; } KEVENT, *PKEVENT;
_Static_assert(sizeof(KEVENT) == 0x10, "KEVENT");
typedef enum _EVENT_TYPE { NotificationEvent, SynchronizationEvent } EVENT_TYPE;

/* KDPC (0x20) */
struct _KDPC;
typedef VOID (NTAPI *PKDEFERRED_ROUTINE)(struct _KDPC *Dpc, PVOID DeferredContext, PVOID SystemArgument1, PVOID SystemArgument2);
typedef struct _KDPC {
    UCHAR Type;
    UCHAR Importance;
    USHORT Number;
    LIST_ENTRY DpcListEntry;         /* +4 */
    PKDEFERRED_ROUTINE DeferredRoutine; /* +0xC */
    PVOID DeferredContext;           /* +0x10 */
    PVOID SystemArgument1;           /* +0x14 */
    PVOID SystemArgument2;           /* +0x18 */
    PVOID DpcData;                   /* +0x1C */
} KDPC, *PKDPC;
_Static_assert(sizeof(KDPC) == 0x20, "KDPC");
_Static_assert(__builtin_offsetof(KDPC, DeferredRoutine) == 0xC, "KDPC.DeferredRoutine");

struct _DEVICE_OBJECT;
struct _IRP;
struct _DRIVER_OBJECT;
typedef NTSTATUS (NTAPI *PDRIVER_DISPATCH)(struct _DEVICE_OBJECT *DeviceObject, struct _IRP *Irp);
typedef VOID (NTAPI *PDRIVER_UNLOAD)(struct _DRIVER_OBJECT *DriverObject);
typedef NTSTATUS (NTAPI *PIO_COMPLETION_ROUTINE)(struct _DEVICE_OBJECT *DeviceObject, struct _IRP *Irp, PVOID Context);

#define IRP_MJ_CREATE          0x00
#define IRP_MJ_CLOSE           0x02
#define IRP_MJ_READ            0x03
#define IRP_MJ_WRITE           0x04
#define IRP_MJ_DEVICE_CONTROL  0x0E
#define IRP_MJ_INTERNAL_DEVICE_CONTROL 0x0F
#define IRP_MJ_MAXIMUM_FUNCTION 0x1B

/* DRIVER_OBJECT (0xA8) */
typedef struct _DRIVER_OBJECT {
    CSHORT Type;                    /* 4 */
    CSHORT Size;
    struct _DEVICE_OBJECT *DeviceObject; /* +4 */
    ULONG Flags;
    PVOID DriverStart;              /* +0xC */
    ULONG DriverSize;
    PVOID DriverSection;
    PVOID DriverExtension;          /* +0x18 */
    UNICODE_STRING DriverName;      /* +0x1C */
    PUNICODE_STRING HardwareDatabase;
    PVOID FastIoDispatch;
    PVOID DriverInit;               /* +0x2C */
    PVOID DriverStartIo;
    PDRIVER_UNLOAD DriverUnload;    /* +0x34 */
    PDRIVER_DISPATCH MajorFunction[IRP_MJ_MAXIMUM_FUNCTION + 1]; /* +0x38 */
} DRIVER_OBJECT, *PDRIVER_OBJECT;
_Static_assert(sizeof(DRIVER_OBJECT) == 0xA8, "DRIVER_OBJECT");
_Static_assert(__builtin_offsetof(DRIVER_OBJECT, MajorFunction) == 0x38, "DRIVER_OBJECT.MajorFunction");

/* DEVICE_OBJECT (0xB8) */
typedef struct _DEVICE_OBJECT {
    CSHORT Type;                    /* 3 */
    USHORT Size;
    LONG ReferenceCount;
    PDRIVER_OBJECT DriverObject;    /* +8 */
    struct _DEVICE_OBJECT *NextDevice;   /* +0xC */
    struct _DEVICE_OBJECT *AttachedDevice; /* +0x10 */
    struct _IRP *CurrentIrp;
    PVOID Timer;
    ULONG Flags;                    /* +0x1C */
    ULONG Characteristics;
    PVOID Vpb;
    PVOID DeviceExtension;          /* +0x28 */
    ULONG DeviceType;               /* +0x2C */
    CCHAR StackSize;                /* +0x30 */
    UCHAR Queue[0x28];              /* +0x34 WAIT_CONTEXT_BLOCK */
    ULONG AlignmentRequirement;     /* +0x5C */
    UCHAR DeviceQueue[0x14];        /* +0x60 KDEVICE_QUEUE */
    KDPC Dpc;                       /* +0x74 */
    ULONG ActiveThreadCount;        /* +0x94 */
    PVOID SecurityDescriptor;
    KEVENT DeviceLock;              /* +0x9C */
    USHORT SectorSize;              /* +0xAC */
    USHORT Spare1;
    PVOID DeviceObjectExtension;    /* +0xB0 */
    PVOID Reserved;
} DEVICE_OBJECT, *PDEVICE_OBJECT;
_Static_assert(sizeof(DEVICE_OBJECT) == 0xB8, "DEVICE_OBJECT");
_Static_assert(__builtin_offsetof(DEVICE_OBJECT, DeviceExtension) == 0x28, "DEVICE_OBJECT.DeviceExtension");
_Static_assert(__builtin_offsetof(DEVICE_OBJECT, StackSize) == 0x30, "DEVICE_OBJECT.StackSize");
_Static_assert(__builtin_offsetof(DEVICE_OBJECT, Dpc) == 0x74, "DEVICE_OBJECT.Dpc");

#define DO_BUFFERED_IO        0x00000004
#define DO_DEVICE_INITIALIZING 0x00000080
#define FILE_DEVICE_UNKNOWN   0x00000022

/* IO_STACK_LOCATION (0x24) */
typedef struct _IO_STACK_LOCATION {
    UCHAR MajorFunction;
    UCHAR MinorFunction;
    UCHAR Flags;
    UCHAR Control;                  /* +3: SL_* */
    union {
        struct { ULONG OutputBufferLength; ULONG InputBufferLength; ULONG IoControlCode; PVOID Type3InputBuffer; } DeviceIoControl;
        struct { PVOID Argument1, Argument2, Argument3, Argument4; } Others;
    } Parameters;                   /* +4 */
    PDEVICE_OBJECT DeviceObject;    /* +0x14 */
    PVOID FileObject;               /* +0x18 */
    PIO_COMPLETION_ROUTINE CompletionRoutine; /* +0x1C */
    PVOID Context;                  /* +0x20 */
} IO_STACK_LOCATION, *PIO_STACK_LOCATION;
_Static_assert(sizeof(IO_STACK_LOCATION) == 0x24, "IO_STACK_LOCATION");
_Static_assert(__builtin_offsetof(IO_STACK_LOCATION, CompletionRoutine) == 0x1C, "IO_STACK_LOCATION.CompletionRoutine");

#define SL_PENDING_RETURNED 0x01
#define SL_INVOKE_ON_CANCEL 0x20
#define SL_INVOKE_ON_SUCCESS 0x40
#define SL_INVOKE_ON_ERROR  0x80

/* IRP (0x70, then StackCount IO_STACK_LOCATIONs) */
typedef struct _IRP {
    CSHORT Type;                    /* 6 */
    USHORT Size;
    PVOID MdlAddress;               /* +4 */
    ULONG Flags;                    /* +8 */
    union { struct _IRP *MasterIrp; LONG IrpCount; PVOID SystemBuffer; } AssociatedIrp; /* +0xC */
    LIST_ENTRY ThreadListEntry;     /* +0x10 */
    IO_STATUS_BLOCK IoStatus;       /* +0x18 */
    CHAR RequestorMode;             /* +0x20 */
    BOOLEAN PendingReturned;        /* +0x21 */
    CHAR StackCount;                /* +0x22 */
    CHAR CurrentLocation;           /* +0x23 */
    BOOLEAN Cancel;
    KIRQL CancelIrql;
    CCHAR ApcEnvironment;
    UCHAR AllocationFlags;
    PIO_STATUS_BLOCK UserIosb;      /* +0x28 */
    PKEVENT UserEvent;              /* +0x2C */
    PVOID Overlay[2];               /* +0x30 */
    PVOID CancelRoutine;            /* +0x38 */
    PVOID UserBuffer;               /* +0x3C */
    union {
        struct {
            PVOID DriverContext[4]; /* +0x40 */
            PVOID Thread;           /* +0x50 */
            PVOID AuxiliaryBuffer;  /* +0x54 */
            LIST_ENTRY ListEntry;   /* +0x58 */
            PIO_STACK_LOCATION CurrentStackLocation; /* +0x60 */
            PVOID OriginalFileObject; /* +0x64 */
            PVOID Reserved[2];
        } Overlay;
    } Tail;                         /* +0x40 */
} IRP, *PIRP;
_Static_assert(sizeof(IRP) == 0x70, "IRP");
_Static_assert(__builtin_offsetof(IRP, IoStatus) == 0x18, "IRP.IoStatus");
_Static_assert(__builtin_offsetof(IRP, CurrentLocation) == 0x23, "IRP.CurrentLocation");
_Static_assert(__builtin_offsetof(IRP, UserBuffer) == 0x3C, "IRP.UserBuffer");
_Static_assert(__builtin_offsetof(IRP, Tail.Overlay.CurrentStackLocation) == 0x60, "IRP.CurrentStackLocation");

#define CTL_CODE(t, f, m, a) (((t) << 16) | ((a) << 14) | ((f) << 2) | (m))
#define METHOD_BUFFERED 0
#define FILE_ANY_ACCESS 0
#define IO_NO_INCREMENT 0

typedef enum _POOL_TYPE { NonPagedPool = 0, PagedPool = 1 } POOL_TYPE;
typedef enum _KWAIT_REASON { Executive = 0 } KWAIT_REASON;
typedef enum _MODE { KernelMode = 0, UserMode = 1 } KPROCESSOR_MODE;
typedef VOID (NTAPI *PKSTART_ROUTINE)(PVOID StartContext);

/* ---- ntoskrnl.exe */
NTKERNELAPI ULONG __cdecl DbgPrint(const char *Format, ...);
NTKERNELAPI PVOID NTAPI ExAllocatePoolWithTag(POOL_TYPE PoolType, SIZE_T NumberOfBytes, ULONG Tag);
NTKERNELAPI VOID NTAPI ExFreePoolWithTag(PVOID P, ULONG Tag);
NTKERNELAPI VOID NTAPI ExRaiseStatus(NTSTATUS Status);
NTKERNELAPI VOID NTAPI RtlInitUnicodeString(PUNICODE_STRING Destination, const WCHAR *Source);
NTKERNELAPI NTSTATUS NTAPI IoCreateDevice(PDRIVER_OBJECT DriverObject, ULONG DeviceExtensionSize, PUNICODE_STRING DeviceName,
                                         ULONG DeviceType, ULONG DeviceCharacteristics, BOOLEAN Exclusive, PDEVICE_OBJECT *DeviceObject);
NTKERNELAPI VOID NTAPI IoDeleteDevice(PDEVICE_OBJECT DeviceObject);
NTKERNELAPI PDEVICE_OBJECT NTAPI IoAttachDeviceToDeviceStack(PDEVICE_OBJECT SourceDevice, PDEVICE_OBJECT TargetDevice);
NTKERNELAPI VOID NTAPI IoDetachDevice(PDEVICE_OBJECT TargetDevice);
NTKERNELAPI PDEVICE_OBJECT NTAPI IoGetAttachedDeviceReference(PDEVICE_OBJECT DeviceObject);
NTKERNELAPI NTSTATUS FASTCALL IofCallDriver(PDEVICE_OBJECT DeviceObject, PIRP Irp);
NTKERNELAPI VOID FASTCALL IofCompleteRequest(PIRP Irp, CCHAR PriorityBoost);
NTKERNELAPI PIRP NTAPI IoAllocateIrp(CCHAR StackSize, BOOLEAN ChargeQuota);
NTKERNELAPI VOID NTAPI IoFreeIrp(PIRP Irp);
NTKERNELAPI PIRP NTAPI IoBuildDeviceIoControlRequest(ULONG IoControlCode, PDEVICE_OBJECT DeviceObject, PVOID InputBuffer,
    ULONG InputBufferLength, PVOID OutputBuffer, ULONG OutputBufferLength, BOOLEAN InternalDeviceIoControl, PKEVENT Event,
    PIO_STATUS_BLOCK IoStatusBlock);
NTKERNELAPI VOID NTAPI KeInitializeDpc(PKDPC Dpc, PKDEFERRED_ROUTINE DeferredRoutine, PVOID DeferredContext);
NTKERNELAPI BOOLEAN NTAPI KeInsertQueueDpc(PKDPC Dpc, PVOID SystemArgument1, PVOID SystemArgument2);
NTKERNELAPI VOID NTAPI KeSetTargetProcessorDpc(PKDPC Dpc, CCHAR Number);
NTKERNELAPI KIRQL NTAPI KeRaiseIrqlToDpcLevel(VOID);
NTKERNELAPI VOID NTAPI KeInitializeSpinLock(PKSPIN_LOCK SpinLock);
NTKERNELAPI PVOID NTAPI KeGetCurrentThread(VOID);
NTKERNELAPI HANDLE NTAPI PsGetCurrentThreadId(VOID);
NTKERNELAPI NTSTATUS NTAPI PsCreateSystemThread(PHANDLE ThreadHandle, ULONG DesiredAccess, PVOID ObjectAttributes,
    HANDLE ProcessHandle, PVOID ClientId, PKSTART_ROUTINE StartRoutine, PVOID StartContext);
NTKERNELAPI NTSTATUS NTAPI PsTerminateSystemThread(NTSTATUS ExitStatus);
NTKERNELAPI NTSTATUS NTAPI ZwClose(HANDLE Handle);
NTKERNELAPI NTSTATUS NTAPI KeWaitForSingleObject(PVOID Object, KWAIT_REASON WaitReason, KPROCESSOR_MODE WaitMode,
    BOOLEAN Alertable, PLARGE_INTEGER Timeout);
NTKERNELAPI VOID NTAPI KeInitializeEvent(PKEVENT Event, EVENT_TYPE Type, BOOLEAN State);
NTKERNELAPI LONG NTAPI KeSetEvent(PKEVENT Event, LONG Increment, BOOLEAN Wait);
NTKERNELAPI VOID NTAPI KeClearEvent(PKEVENT Event);
NTKERNELAPI VOID NTAPI KeBugCheckEx(ULONG BugCheckCode, ULONG_PTR P1, ULONG_PTR P2, ULONG_PTR P3, ULONG_PTR P4);
NTKERNELAPI VOID NTAPI RtlUnwind(PVOID TargetFrame, PVOID TargetIp, PVOID ExceptionRecord, PVOID ReturnValue);
extern NTKERNELAPI CCHAR KeNumberProcessors;

/* ---- hal.dll */
NTHALAPI KIRQL NTAPI KeGetCurrentIrql(VOID);
NTHALAPI KIRQL FASTCALL KfRaiseIrql(KIRQL NewIrql);
NTHALAPI VOID FASTCALL KfLowerIrql(KIRQL NewIrql);
NTHALAPI KIRQL FASTCALL KfAcquireSpinLock(PKSPIN_LOCK SpinLock);
NTHALAPI VOID FASTCALL KfReleaseSpinLock(PKSPIN_LOCK SpinLock, KIRQL NewIrql);

/* ---- WDK inline macros */
/* x86: KPCR.Number (UCHAR at fs:[0x51]), as the WDK's inline does. */
static __inline ULONG KeGetCurrentProcessorNumber(void) { ULONG n; __asm__ volatile("movzbl %%fs:0x51, %0" : "=r"(n)); return n; }
static __inline PIO_STACK_LOCATION IoGetCurrentIrpStackLocation(PIRP Irp) { return Irp->Tail.Overlay.CurrentStackLocation; }
static __inline PIO_STACK_LOCATION IoGetNextIrpStackLocation(PIRP Irp) { return Irp->Tail.Overlay.CurrentStackLocation - 1; }
static __inline void IoSkipCurrentIrpStackLocation(PIRP Irp) { Irp->CurrentLocation++; Irp->Tail.Overlay.CurrentStackLocation++; }
static __inline void IoCopyCurrentIrpStackLocationToNext(PIRP Irp)
{
    PIO_STACK_LOCATION s = IoGetCurrentIrpStackLocation(Irp), n = IoGetNextIrpStackLocation(Irp);
    __builtin_memcpy(n, s, __builtin_offsetof(IO_STACK_LOCATION, CompletionRoutine));
    n->Control = 0;
}
static __inline void IoSetCompletionRoutine(PIRP Irp, PIO_COMPLETION_ROUTINE Routine, PVOID Context,
                                            BOOLEAN OnSuccess, BOOLEAN OnError, BOOLEAN OnCancel)
{
    PIO_STACK_LOCATION n = IoGetNextIrpStackLocation(Irp);
    n->CompletionRoutine = Routine;
    n->Context = Context;
    n->Control = 0;
    if (OnSuccess) n->Control = SL_INVOKE_ON_SUCCESS;
    if (OnError) n->Control |= SL_INVOKE_ON_ERROR;
    if (OnCancel) n->Control |= SL_INVOKE_ON_CANCEL;
}
static __inline void IoMarkIrpPending(PIRP Irp) { IoGetCurrentIrpStackLocation(Irp)->Control |= SL_PENDING_RETURNED; }
#define IoCallDriver(d, i) IofCallDriver(d, i)
#define IoCompleteRequest(i, b) IofCompleteRequest(i, b)
#define KeAcquireSpinLock(l, o) (*(o) = KfAcquireSpinLock(l))
#define KeReleaseSpinLock(l, n) KfReleaseSpinLock(l, n)

/* The sample devices' IOCTLs (shared by the drivers and README.md). */
#define IOCTL_KFUNC_COMPUTE  CTL_CODE(0x8000, 0x800, METHOD_BUFFERED, FILE_ANY_ACCESS) /* 0x80002000 */
#define IOCTL_KFUNC_QUERY    CTL_CODE(0x8000, 0x801, METHOD_BUFFERED, FILE_ANY_ACCESS) /* 0x80002004 */
#define IOCTL_KFUNC_BUGCHECK CTL_CODE(0x8000, 0x802, METHOD_BUFFERED, FILE_ANY_ACCESS) /* 0x80002008 */

#endif
