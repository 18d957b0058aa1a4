/**
 * Where module code created or changed a node: a stack captured by `create()`, `add()` and
 * `setData()` while capture is on, and nothing at all while it is off, so the ordinary path
 * costs one boolean test. Validation turns it on for a second run of the modules when a
 * change does not fit, to name the module's file:line (src/yang/validate.ts).
 */
let capturing = false;
const origins = new WeakMap<object, Error>();

/** Turns stack capture on or off for nodes created or changed from now on. */
export function captureOrigins(on: boolean): void {
  capturing = on;
}

export function originCapture(): boolean {
  return capturing;
}

/** Called by Element on create/add/setData; keeps the raw stack, formatted only when asked. */
export function noteOrigin(el: object): void {
  if (!capturing) return;
  // Module code is within a few frames of create() (library helpers in between are
  // skipped when read); fewer frames make each capture several times cheaper.
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = FRAMES;
  origins.set(el, new Error('origin'));
  Error.stackTraceLimit = limit;
}

const FRAMES = 6;

// Judged on a frame's location only: a module's anonymous function shows as `<anonymous>` in its name.
const OWN_FILES = /[\\/]src[\\/](xml|service|devkit|yang)[\\/]|node_modules|^node:/;

/** The first stack frame outside this library (the module's own code), as `file:line`. */
export function originFrame(el: object): string | undefined {
  const stack = origins.get(el)?.stack;
  if (!stack) return undefined;
  for (const line of stack.split('\n').slice(1)) {
    // Frames without a file:line (native code, `<anonymous>` locations) do not match.
    const m = /\(?((?:file:\/\/)?[^\s()]+):(\d+):\d+\)?\s*$/.exec(line);
    if (!m || OWN_FILES.test(m[1]!)) continue;
    return `${m[1]!.replace(/^file:\/\//, '')}:${m[2]}`;
  }
  return undefined;
}
