/**
 * Where module code created or changed a node, so that validation can name the module's
 * `file:line` from the one run of the modules (a module that allocates from an IPAM or files
 * a ticket must not run twice). Off, it costs one boolean test per create/add/setData.
 *
 * On, a stack is taken per node, up to EXACT nodes of each *shape*: the module function
 * running (`originScope`), the parent's name, the node's name and the operation. A stack costs
 * several µs, so past that a shape's nodes share a sampled stack (taken at the 2^k-th node),
 * which keeps a change of a million nodes affordable. Module code nearly always makes a shape
 * at one line; when two samples of a shape disagree, that shape goes back to a stack per node.
 * So origins are exact for the first EXACT nodes of each shape, and past them unless one
 * shape comes from two lines and the nodes of the second fall between two samples.
 */
let capturing = false;
let scope = '';
const origins = new WeakMap<object, Error>();

interface Shape {
  /** The stack the nodes of this shape share once past EXACT. */
  latest: Error;
  seen: number;
  nextSample: number;
  /** One shape from two lines: a stack per node from now on. */
  always: boolean;
}
let shapes = new Map<string, Shape>();
const UNSET = new Error('no origin yet');

/** Nodes of one shape that each get their own stack. */
const EXACT = 256;
/** Module code is within a few frames of create(); fewer frames make each capture cheaper. */
const FRAMES = 6;

/** Turns capture on or off for nodes created or changed from now on; on starts a fresh set of shapes. */
export function captureOrigins(on: boolean): void {
  capturing = on;
  if (on) shapes = new Map();
}

export function originCapture(): boolean {
  return capturing;
}

/** Names the module function about to run (the runner calls it): shapes are told apart per function. */
export function originScope(name: string): void {
  scope = name;
}

/** Called by Element on create/add/setData with the node's name and its parent's. */
export function noteOrigin(el: object, name: string, parentName: string, how: 'create' | 'add' | 'data'): void {
  if (!capturing) return;
  const key = `${scope}\u0000${parentName}\u0000${name}\u0000${how}`;
  let shape = shapes.get(key);
  if (!shape) {
    shape = { latest: UNSET, seen: 0, nextSample: 0, always: false };
    shapes.set(key, shape);
  }
  shape.seen++;
  if (shape.always || shape.seen <= EXACT) {
    shape.latest = stack();
  } else if (shape.seen === shape.nextSample) {
    // Stacks are formatted only here, at the samples: formatting costs far more than capturing.
    const sample = stack();
    if (frameOf(sample) !== frameOf(shape.latest)) shape.always = true;
    shape.latest = sample;
    shape.nextSample *= 2;
  }
  if (shape.seen === EXACT) shape.nextSample = 2 * EXACT;
  origins.set(el, shape.latest);
}

function stack(): Error {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = FRAMES;
  const err = new Error('origin');
  Error.stackTraceLimit = limit;
  return err;
}

// Judged on a frame's location only: a module's anonymous function shows as `<anonymous>` in its name.
const OWN_FILES = /[\\/]src[\\/](xml|service|devkit|yang)[\\/]|node_modules|^node:/;

/** The first stack frame outside this library (the module's own code), as `file:line`. */
function frameOf(err: Error): string | undefined {
  const text = err.stack;
  if (!text) return undefined;
  for (const line of text.split('\n').slice(1)) {
    // Frames without a file:line (native code, `<anonymous>` locations) do not match.
    const m = /\(?((?:file:\/\/)?[^\s()]+):(\d+):\d+\)?\s*$/.exec(line);
    if (!m || OWN_FILES.test(m[1]!)) continue;
    return `${m[1]!.replace(/^file:\/\//, '')}:${m[2]}`;
  }
  return undefined;
}

/** Where module code created or last changed `el`, as `file:line`, when capture was on. */
export function originFrame(el: object): string | undefined {
  const err = origins.get(el);
  return err ? frameOf(err) : undefined;
}
