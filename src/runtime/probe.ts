// Imported by register.mjs only to learn whether tsx already loads TypeScript in this thread.
export const typescript = true;
