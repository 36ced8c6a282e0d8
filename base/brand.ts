/**
 * Branded number types: the compiler keeps address spaces and ids apart even though they are
 * all plain numbers at run time. Convert with the helpers, never with a cast in passing.
 */
declare const brand: unique symbol;
export type Brand<T, B extends string> = T & { readonly [brand]: B };

/** Virtual address in the guest (32-bit). */
export type Va = Brand<number, "Va">;
/** Address relative to an image's load address. */
export type Rva = Brand<number, "Rva">;
/** Offset into a file's bytes. */
export type FileOffset = Brand<number, "FileOffset">;
/** A thread's identity everywhere in ntrace: the guest address of its KTHREAD object. */
export type ThreadKey = Brand<number, "ThreadKey">;

export const va = (n: number): Va => (n >>> 0) as Va;
export const rva = (n: number): Rva => (n >>> 0) as Rva;
export const fileOffset = (n: number): FileOffset => n as FileOffset;
export const threadKey = (n: number): ThreadKey => (n >>> 0) as ThreadKey;
