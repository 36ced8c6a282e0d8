/* ntddk_min.h: the few WDK declarations the ntrace driver samples use, written by hand (no
 * WDK on Linux). Structure layouts are those of Windows 7 SP1 x86 (WDK 7600 ntddk.h/wdm.h; the
 * same offsets are listed by the Vergilius project for 6.1.7601 x86); every offset other code
 * relies on is checked with _Static_assert below. Only what the samples touch is named; the
 * rest is padding of the right size. */
#ifndef NTDDK_MIN_H
#define NTDDK_MIN_H

#define HOOKABLE __declspec(noinline) __attribute__((disable_tail_calls))
#define NTAPI __stdcall
#define FASTCALL __fastcall
#define NTKERNELAPI __declspec(dllimport)
#define NULL ((void *)0)
#define TRUE 1
#define FALSE 0
#define OFFSET(t, f) __builtin_offsetof(t, f)

typedef unsigned char UCHAR, BOOLEAN, KIRQL, *PKIRQL;
typedef char CHAR, CCHAR;
typedef short SHORT, CSHORT;
typedef unsigned short USHORT, WCHAR;
typedef long LONG, NTSTATUS, KPRIORITY;
typedef unsigned long ULONG, ACCESS_MASK, DEVICE_TYPE;
typedef unsigned long ULONG_PTR, KSPIN_LOCK, *PKSPIN_LOCK;
typedef unsigned __int64 ULONGLONG;
typedef __int64 LONGLONG;
typedef void VOID, *PVOID, *HANDLE, **PHANDLE;
typedef union { struct { ULONG LowPart; LONG HighPart; } u; LONGLONG QuadPart; } LARGE_INTEGER;
typedef LARGE_INTEGER *PLARGE_INTEGER;

#define STATUS_SUCCESS ((NTSTATUS)0x00000000L)
#define STATUS_INVALID_PARAMETER ((NTSTATUS)0xC000000DL)
#define STATUS_NO_SUCH_DEVICE ((NTSTATUS)0xC000000EL)
#define STATUS_INVALID_DEVICE_REQUEST ((NTSTATUS)0xC0000010L)
#define NT_SUCCESS(s) ((NTSTATUS)(s) >= 0)

typedef struct _UNICODE_STRING {
    USHORT Length;
    USHORT MaximumLength;
    WCHAR *Buffer;
} UNICODE_STRING, *PUNICODE_STRING;

typedef struct _LIST_ENTRY {
    struct _LIST_ENTRY *Flink, *Blink;
} LIST_ENTRY;

/* DISPATCHER_HEADER + wait list: 16 bytes on x86. */
typedef struct _KEVENT {
    UCHAR Header[16];
} KEVENT, *PKEVENT;
_Static_assert(sizeof(KEVENT) == 0x10, "KEVENT");
typedef enum { NotificationEvent = 0, SynchronizationEvent = 1 } EVENT_TYPE;
typedef enum { Executive = 0 } KWAIT_REASON;
typedef enum { KernelMode = 0, UserMode = 1 } KPROCESSOR_MODE_ENUM;
typedef CCHAR KPROCESSOR_MODE;

struct _KDPC;
typedef VOID NTAPI KDEFERRED_ROUTINE(struct _KDPC *Dpc, PVOID DeferredContext,
                                     PVOID SystemArgument1, PVOID SystemArgument2);
typedef struct _KDPC {
    UCHAR Type;
    UCHAR Importance;
    USHORT Number;
    LIST_ENTRY DpcListEntry;         /* 0x04 */
    KDEFERRED_ROUTINE *DeferredRoutine; /* 0x0C */
    PVOID DeferredContext;           /* 0x10 */
    PVOID SystemArgument1;           /* 0x14 */
    PVOID SystemArgument2;           /* 0x18 */
    PVOID DpcData;                   /* 0x1C */
} KDPC, *PKDPC;
_Static_assert(sizeof(KDPC) == 0x20, "KDPC");
_Static_assert(OFFSET(KDPC, DeferredRoutine) == 0x0C, "KDPC.DeferredRoutine");

struct _DEVICE_OBJECT;
struct _DRIVER_OBJECT;
struct _IRP;
typedef NTSTATUS NTAPI DRIVER_DISPATCH(struct _DEVICE_OBJECT *DeviceObject, struct _IRP *Irp);
typedef VOID NTAPI DRIVER_UNLOAD(struct _DRIVER_OBJECT *DriverObject);
typedef NTSTATUS NTAPI IO_COMPLETION_ROUTINE(struct _DEVICE_OBJECT *DeviceObject,
                                             struct _IRP *Irp, PVOID Context);

#define IRP_MJ_CREATE 0x00
#define IRP_MJ_CLOSE 0x02
#define IRP_MJ_DEVICE_CONTROL 0x0E
#define IRP_MJ_MAXIMUM_FUNCTION 0x1B

typedef struct _DRIVER_OBJECT {
    CSHORT Type;                          /* 0x00 */
    CSHORT Size;                          /* 0x02 */
    struct _DEVICE_OBJECT *DeviceObject;  /* 0x04 */
    ULONG Flags;                          /* 0x08 */
    PVOID DriverStart;                    /* 0x0C */
    ULONG DriverSize;                     /* 0x10 */
    PVOID DriverSection;                  /* 0x14 */
    PVOID DriverExtension;                /* 0x18 */
    UNICODE_STRING DriverName;            /* 0x1C */
    PUNICODE_STRING HardwareDatabase;     /* 0x24 */
    PVOID FastIoDispatch;                 /* 0x28 */
    PVOID DriverInit;                     /* 0x2C */
    PVOID DriverStartIo;                  /* 0x30 */
    DRIVER_UNLOAD *DriverUnload;          /* 0x34 */
    DRIVER_DISPATCH *MajorFunction[IRP_MJ_MAXIMUM_FUNCTION + 1]; /* 0x38 */
} DRIVER_OBJECT, *PDRIVER_OBJECT;
_Static_assert(OFFSET(DRIVER_OBJECT, DriverUnload) == 0x34, "DRIVER_OBJECT.DriverUnload");
_Static_assert(OFFSET(DRIVER_OBJECT, MajorFunction) == 0x38, "DRIVER_OBJECT.MajorFunction");
_Static_assert(sizeof(DRIVER_OBJECT) == 0xA8, "DRIVER_OBJECT");

#define DO_BUFFERED_IO 0x00000004
#define DO_DEVICE_INITIALIZING 0x00000080
#define FILE_DEVICE_UNKNOWN 0x00000022

typedef struct _DEVICE_OBJECT {
    CSHORT Type;                          /* 0x00 */
    USHORT Size;                          /* 0x02 */
    LONG ReferenceCount;                  /* 0x04 */
    struct _DRIVER_OBJECT *DriverObject;  /* 0x08 */
    struct _DEVICE_OBJECT *NextDevice;    /* 0x0C */
    struct _DEVICE_OBJECT *AttachedDevice; /* 0x10 */
    struct _IRP *CurrentIrp;              /* 0x14 */
    PVOID Timer;                          /* 0x18 */
    ULONG Flags;                          /* 0x1C */
    ULONG Characteristics;                /* 0x20 */
    PVOID Vpb;                            /* 0x24 */
    PVOID DeviceExtension;                /* 0x28 */
    DEVICE_TYPE DeviceType;               /* 0x2C */
    CCHAR StackSize;                      /* 0x30 */
    UCHAR Queue[0x28];                    /* 0x34 (LIST_ENTRY / WAIT_CONTEXT_BLOCK) */
    ULONG AlignmentRequirement;           /* 0x5C */
    UCHAR DeviceQueue[0x14];              /* 0x60 KDEVICE_QUEUE */
    KDPC Dpc;                             /* 0x74 */
    ULONG ActiveThreadCount;              /* 0x94 */
    PVOID SecurityDescriptor;             /* 0x98 */
    KEVENT DeviceLock;                    /* 0x9C */
    USHORT SectorSize;                    /* 0xAC */
    USHORT Spare1;                        /* 0xAE */
    PVOID DeviceObjectExtension;          /* 0xB0 */
    PVOID Reserved;                       /* 0xB4 */
} DEVICE_OBJECT, *PDEVICE_OBJECT;
_Static_assert(OFFSET(DEVICE_OBJECT, DeviceExtension) == 0x28, "DEVICE_OBJECT.DeviceExtension");
_Static_assert(OFFSET(DEVICE_OBJECT, StackSize) == 0x30, "DEVICE_OBJECT.StackSize");
_Static_assert(OFFSET(DEVICE_OBJECT, Dpc) == 0x74, "DEVICE_OBJECT.Dpc");
_Static_assert(sizeof(DEVICE_OBJECT) == 0xB8, "DEVICE_OBJECT");

typedef struct _IO_STATUS_BLOCK {
    union { NTSTATUS Status; PVOID Pointer; };
    ULONG_PTR Information;
} IO_STATUS_BLOCK;

#define SL_PENDING_RETURNED 0x01
#define SL_INVOKE_ON_CANCEL 0x20
#define SL_INVOKE_ON_SUCCESS 0x40
#define SL_INVOKE_ON_ERROR 0x80

typedef struct _IO_STACK_LOCATION {
    UCHAR MajorFunction;                  /* 0x00 */
    UCHAR MinorFunction;                  /* 0x01 */
    UCHAR Flags;                          /* 0x02 */
    UCHAR Control;                        /* 0x03 */
    union {                               /* 0x04, 16 bytes */
        struct {
            ULONG OutputBufferLength;     /* 0x04 */
            ULONG InputBufferLength;      /* 0x08 */
            ULONG IoControlCode;          /* 0x0C */
            PVOID Type3InputBuffer;       /* 0x10 */
        } DeviceIoControl;
        struct { PVOID Argument1, Argument2, Argument3, Argument4; } Others;
    } Parameters;
    PDEVICE_OBJECT DeviceObject;          /* 0x14 */
    PVOID FileObject;                     /* 0x18 */
    IO_COMPLETION_ROUTINE *CompletionRoutine; /* 0x1C */
    PVOID Context;                        /* 0x20 */
} IO_STACK_LOCATION, *PIO_STACK_LOCATION;
_Static_assert(OFFSET(IO_STACK_LOCATION, Parameters.DeviceIoControl.IoControlCode) == 0x0C, "IoControlCode");
_Static_assert(OFFSET(IO_STACK_LOCATION, CompletionRoutine) == 0x1C, "CompletionRoutine");
_Static_assert(sizeof(IO_STACK_LOCATION) == 0x24, "IO_STACK_LOCATION");

typedef struct _IRP {
    CSHORT Type;                          /* 0x00 */
    USHORT Size;                          /* 0x02 */
    PVOID MdlAddress;                     /* 0x04 */
    ULONG Flags;                          /* 0x08 */
    union { PVOID SystemBuffer; } AssociatedIrp; /* 0x0C */
    LIST_ENTRY ThreadListEntry;           /* 0x10 */
    IO_STATUS_BLOCK IoStatus;             /* 0x18 */
    KPROCESSOR_MODE RequestorMode;        /* 0x20 */
    BOOLEAN PendingReturned;              /* 0x21 */
    CHAR StackCount;                      /* 0x22 */
    CHAR CurrentLocation;                 /* 0x23 */
    BOOLEAN Cancel;                       /* 0x24 */
    KIRQL CancelIrql;                     /* 0x25 */
    CCHAR ApcEnvironment;                 /* 0x26 */
    UCHAR AllocationFlags;                /* 0x27 */
    PVOID UserIosb;                       /* 0x28 */
    PKEVENT UserEvent;                    /* 0x2C */
    UCHAR Overlay[8];                     /* 0x30 */
    PVOID CancelRoutine;                  /* 0x38 */
    PVOID UserBuffer;                     /* 0x3C */
    union {                               /* 0x40: Tail */
        struct {
            PVOID DriverContext[4];       /* 0x40 */
            PVOID Thread;                 /* 0x50 */
            PVOID AuxiliaryBuffer;        /* 0x54 */
            LIST_ENTRY ListEntry;         /* 0x58 */
            PIO_STACK_LOCATION CurrentStackLocation; /* 0x60 */
            PVOID OriginalFileObject;     /* 0x64 */
        } Overlay;
        UCHAR Apc[0x30];                  /* KAPC */
    } Tail;
} IRP, *PIRP;                             /* followed by StackCount IO_STACK_LOCATIONs */
_Static_assert(OFFSET(IRP, AssociatedIrp.SystemBuffer) == 0x0C, "IRP.SystemBuffer");
_Static_assert(OFFSET(IRP, IoStatus) == 0x18, "IRP.IoStatus");
_Static_assert(OFFSET(IRP, PendingReturned) == 0x21, "IRP.PendingReturned");
_Static_assert(OFFSET(IRP, CurrentLocation) == 0x23, "IRP.CurrentLocation");
_Static_assert(OFFSET(IRP, Tail.Overlay.CurrentStackLocation) == 0x60, "IRP.CurrentStackLocation");
_Static_assert(sizeof(IRP) == 0x70, "IRP");

#define CTL_CODE(type, function, method, access) \
    (((type) << 16) | ((access) << 14) | ((function) << 2) | (method))
#define METHOD_BUFFERED 0
#define FILE_ANY_ACCESS 0
#define IO_NO_INCREMENT 0
#define DISPATCH_LEVEL 2
#define THREAD_ALL_ACCESS 0x001F03FFul

/* ---- ntoskrnl.exe ---- */
NTKERNELAPI ULONG __cdecl DbgPrint(const char *format, ...);
NTKERNELAPI VOID NTAPI RtlInitUnicodeString(PUNICODE_STRING dst, const WCHAR *src);
NTKERNELAPI NTSTATUS NTAPI IoCreateDevice(PDRIVER_OBJECT driver, ULONG extensionSize,
                                          PUNICODE_STRING name, DEVICE_TYPE type,
                                          ULONG characteristics, BOOLEAN exclusive,
                                          PDEVICE_OBJECT *device);
NTKERNELAPI VOID NTAPI IoDeleteDevice(PDEVICE_OBJECT device);
NTKERNELAPI PDEVICE_OBJECT NTAPI IoAttachDeviceToDeviceStack(PDEVICE_OBJECT source,
                                                             PDEVICE_OBJECT target);
NTKERNELAPI VOID NTAPI IoDetachDevice(PDEVICE_OBJECT target);
NTKERNELAPI NTSTATUS FASTCALL IofCallDriver(PDEVICE_OBJECT device, PIRP irp);
NTKERNELAPI VOID FASTCALL IofCompleteRequest(PIRP irp, CCHAR priorityBoost);
NTKERNELAPI VOID NTAPI KeInitializeDpc(PKDPC dpc, KDEFERRED_ROUTINE *routine, PVOID context);
NTKERNELAPI BOOLEAN NTAPI KeInsertQueueDpc(PKDPC dpc, PVOID arg1, PVOID arg2);
NTKERNELAPI VOID NTAPI KeInitializeSpinLock(PKSPIN_LOCK lock);
NTKERNELAPI VOID NTAPI KeInitializeEvent(PKEVENT event, EVENT_TYPE type, BOOLEAN state);
NTKERNELAPI LONG NTAPI KeSetEvent(PKEVENT event, KPRIORITY increment, BOOLEAN wait);
NTKERNELAPI NTSTATUS NTAPI KeWaitForSingleObject(PVOID object, KWAIT_REASON reason,
                                                 KPROCESSOR_MODE mode, BOOLEAN alertable,
                                                 PLARGE_INTEGER timeout);
NTKERNELAPI PVOID NTAPI KeGetCurrentThread(void);
NTKERNELAPI HANDLE NTAPI PsGetCurrentThreadId(void);
typedef VOID NTAPI KSTART_ROUTINE(PVOID context);
NTKERNELAPI NTSTATUS NTAPI PsCreateSystemThread(PHANDLE thread, ULONG access, PVOID attributes,
                                                HANDLE process, PVOID clientId,
                                                KSTART_ROUTINE *start, PVOID context);
NTKERNELAPI NTSTATUS NTAPI PsTerminateSystemThread(NTSTATUS status);
NTKERNELAPI VOID NTAPI ExRaiseStatus(NTSTATUS status);
NTKERNELAPI VOID NTAPI KeBugCheckEx(ULONG code, ULONG_PTR p1, ULONG_PTR p2, ULONG_PTR p3,
                                    ULONG_PTR p4);

/* ---- hal.dll ---- */
NTKERNELAPI KIRQL FASTCALL KfRaiseIrql(KIRQL newIrql);
NTKERNELAPI VOID FASTCALL KfLowerIrql(KIRQL newIrql);
NTKERNELAPI KIRQL NTAPI KeGetCurrentIrql(void);
NTKERNELAPI KIRQL FASTCALL KfAcquireSpinLock(PKSPIN_LOCK lock);
NTKERNELAPI VOID FASTCALL KfReleaseSpinLock(PKSPIN_LOCK lock, KIRQL oldIrql);

/* ---- the wdm.h inline helpers the samples use ---- */
static inline PIO_STACK_LOCATION IoGetCurrentIrpStackLocation(PIRP irp)
{
    return irp->Tail.Overlay.CurrentStackLocation;
}

static inline PIO_STACK_LOCATION IoGetNextIrpStackLocation(PIRP irp)
{
    return irp->Tail.Overlay.CurrentStackLocation - 1;
}

static inline void IoSkipCurrentIrpStackLocation(PIRP irp)
{
    irp->CurrentLocation++;
    irp->Tail.Overlay.CurrentStackLocation++;
}

/* Field by field (wdm.h uses RtlCopyMemory, i.e. a memcpy the samples have no CRT for). */
static inline void IoCopyCurrentIrpStackLocationToNext(PIRP irp)
{
    PIO_STACK_LOCATION cur = IoGetCurrentIrpStackLocation(irp);
    PIO_STACK_LOCATION next = IoGetNextIrpStackLocation(irp);
    next->MajorFunction = cur->MajorFunction;
    next->MinorFunction = cur->MinorFunction;
    next->Flags = cur->Flags;
    next->Parameters = cur->Parameters;
    next->DeviceObject = cur->DeviceObject;
    next->FileObject = cur->FileObject;
    next->Control = 0;
    next->CompletionRoutine = NULL;
    next->Context = NULL;
}

static inline void IoSetCompletionRoutine(PIRP irp, IO_COMPLETION_ROUTINE *routine,
                                          PVOID context, BOOLEAN onSuccess, BOOLEAN onError,
                                          BOOLEAN onCancel)
{
    PIO_STACK_LOCATION next = IoGetNextIrpStackLocation(irp);
    next->CompletionRoutine = routine;
    next->Context = context;
    next->Control = 0;
    if (onSuccess) next->Control |= SL_INVOKE_ON_SUCCESS;
    if (onError) next->Control |= SL_INVOKE_ON_ERROR;
    if (onCancel) next->Control |= SL_INVOKE_ON_CANCEL;
}

static inline void IoMarkIrpPending(PIRP irp)
{
    IoGetCurrentIrpStackLocation(irp)->Control |= SL_PENDING_RETURNED;
}

/* ---- the sample stack's private interface ---- */
#define NTS_DEVICE_TYPE 0x8000
#define IOCTL_NTS_COMPUTE CTL_CODE(NTS_DEVICE_TYPE, 0x800, METHOD_BUFFERED, FILE_ANY_ACCESS) /* 0x80002000 */
#define IOCTL_NTS_THREAD CTL_CODE(NTS_DEVICE_TYPE, 0x801, METHOD_BUFFERED, FILE_ANY_ACCESS)  /* 0x80002004 */
#define IOCTL_NTS_RAISE CTL_CODE(NTS_DEVICE_TYPE, 0x802, METHOD_BUFFERED, FILE_ANY_ACCESS)   /* 0x80002008 */
#define IOCTL_NTS_BUGCHECK CTL_CODE(NTS_DEVICE_TYPE, 0x803, METHOD_BUFFERED, FILE_ANY_ACCESS) /* 0x8000200C */
_Static_assert(IOCTL_NTS_COMPUTE == 0x80002000ul, "IOCTL_NTS_COMPUTE");

/* Exported by nts_func.sys; the filters import it to find the device they attach above. */
#ifndef NTS_FUNCTION_DRIVER
__declspec(dllimport) PDEVICE_OBJECT NTAPI NtsFunctionDevice(void);
#endif

#endif
