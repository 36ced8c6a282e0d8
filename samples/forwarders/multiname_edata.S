/* Hand-written IMAGE_EXPORT_DIRECTORY for multiname.dll (see multiname.c, README.md).
 *   ordinal 1: MultiTriple  names Alpha, Beta, Primary   (three names, one ordinal)
 *   ordinal 2: MultiSquare  name  Square
 *   ordinal 3: MultiHidden  no name
 *   ordinal 4: forwarder "fib.Run"  name Zeta
 * The name pointer table is sorted (the loader binary-searches it); the ordinal table holds
 * ordinal - OrdinalBase for each name. */
        .section .edata, "dr"
        .p2align 2
export_directory:
        .long   0                       /* Characteristics */
        .long   0                       /* TimeDateStamp */
        .short  0, 0                    /* MajorVersion, MinorVersion */
        .rva    dll_name                /* Name */
        .long   1                       /* OrdinalBase */
        .long   4                       /* NumberOfFunctions */
        .long   5                       /* NumberOfNames */
        .rva    address_table           /* AddressOfFunctions */
        .rva    name_table              /* AddressOfNames */
        .rva    ordinal_table           /* AddressOfNameOrdinals */
address_table:
        .rva    _MultiTriple@4          /* ordinal 1 */
        .rva    _MultiSquare@4          /* ordinal 2 */
        .rva    _MultiHidden@4          /* ordinal 3 */
        .rva    forwarder_zeta          /* ordinal 4: inside the export directory = forwarder */
name_table:
        .rva    name_alpha
        .rva    name_beta
        .rva    name_primary
        .rva    name_square
        .rva    name_zeta
ordinal_table:
        .short  0, 0, 0, 1, 3
dll_name:       .asciz "multiname.dll"
name_alpha:     .asciz "Alpha"
name_beta:      .asciz "Beta"
name_primary:   .asciz "Primary"
name_square:    .asciz "Square"
name_zeta:      .asciz "Zeta"
forwarder_zeta: .asciz "fib.Run"
