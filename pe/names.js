/** Display names for PE header values. */
const SUBSYSTEMS = {
    0: "UNKNOWN",
    1: "NATIVE",
    2: "WINDOWS_GUI",
    3: "WINDOWS_CUI",
    5: "OS2_CUI",
    7: "POSIX_CUI",
    8: "NATIVE_WINDOWS",
    9: "WINDOWS_CE_GUI",
    10: "EFI_APPLICATION",
    11: "EFI_BOOT_SERVICE_DRIVER",
    12: "EFI_RUNTIME_DRIVER",
    13: "EFI_ROM",
    14: "XBOX",
    16: "WINDOWS_BOOT_APPLICATION",
};
/** IMAGE_SUBSYSTEM_* without the prefix ("WINDOWS_CUI", "NATIVE", ...). */
export function subsystemName(subsystem) {
    return SUBSYSTEMS[subsystem] ?? `0x${subsystem.toString(16)}`;
}
