// register.mjs has only side effects: it exports nothing.
export {};
