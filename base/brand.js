export const va = (n) => (n >>> 0);
export const rva = (n) => (n >>> 0);
export const fileOffset = (n) => n;
export const threadKey = (n) => (n >>> 0);
