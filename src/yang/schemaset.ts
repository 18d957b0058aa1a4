/**
 * The schemas one validation uses: every module read from a set of YANG folders (the
 * services', the controller's, the devices'), what could not be read, and lookups of
 * top-level nodes by namespace.
 */
import { fileURLToPath } from 'node:url';
import { YangContext, indexYangFiles, type LoadOptions } from './compile.ts';
import { dataChildren, type SchemaNode, type YangModule } from './schema.ts';

const CTRL_NS = 'http://clicon.org/controller';
/** A minimal clixon-controller (services, devices/device/config, created-by-service) for when its YANG is not in the search path. */
const BUILTIN_DIR = fileURLToPath(new URL('./builtin/', import.meta.url));

/** The folders, and the built-in clixon-controller stub after them when they have no clixon-controller. */
export function withController(dirs: readonly string[]): string[] {
  return indexYangFiles(dirs).has('clixon-controller') ? [...dirs] : [...dirs, BUILTIN_DIR];
}

/**
 * The YANG as read is not whole: a module left out (a file that does not parse, an import
 * or include not found), an augment or deviation whose target is missing. What the
 * missing parts define would go unchecked, so `try` and `runService` refuse to run.
 */
export class YangLoadError extends Error {
  constructor(
    readonly problems: readonly string[],
    readonly searched: readonly string[],
  ) {
    super(
      `the YANG cannot be read whole, so the change cannot be checked (fix it, give the missing models with --yang / yangDirs, or turn validation off with --no-validate / validate: false):\n` +
        problems.map((p) => `  ${p}`).join('\n') +
        `\n  (YANG folders searched: ${searched.join(', ') || 'none'})`,
    );
    this.name = 'YangLoadError';
  }
}

// compile.ts's warnings that mean part of the YANG is missing, as opposed to a pattern it cannot check.
const LOAD_PROBLEM = /\bleft out: |\b(?:augment|deviation) target .* not found$/;

/** The schemas of one run: service models, the controller's, and the devices' models. */
export class SchemaSet {
  private readonly tops = new Map<string, SchemaNode>();
  private readonly deviceTops = new Map<string, SchemaNode>();
  private readonly namespaces = new Set<string>();
  /** What is missing from the YANG (see YangLoadError); empty when it was read whole. */
  readonly problems: readonly string[];
  /** Compile warnings that lose no node (a pattern not understood is not checked). */
  readonly warnings: readonly string[];
  /** Whether any module came from the folders (else only the built-in controller stub is there). */
  readonly hasModels: boolean;

  constructor(
    readonly ctx: YangContext,
    /** The folders the YANG was read from. */
    readonly searched: readonly string[] = [],
    /** Enabled features per module name (a device's module-set); undefined: all on, as pyang. */
    readonly features?: Record<string, readonly string[]>,
    /**
     * These are all the models of the config they judge (a device's module-set): an element
     * of a namespace none of them has is unknown there, as the controller finds it, rather
     * than left unchecked.
     */
    readonly complete = false,
  ) {
    this.problems = ctx.warnings.filter((w) => LOAD_PROBLEM.test(w));
    this.warnings = ctx.warnings.filter((w) => !LOAD_PROBLEM.test(w));
    this.hasModels = [...ctx.modules.values()].some((m) => !m.file.startsWith(BUILTIN_DIR));
    for (const mod of ctx.modules.values()) {
      this.namespaces.add(mod.namespace);
      for (const n of dataChildren({ children: mod.nodes })) {
        this.tops.set(`${n.module.namespace} ${n.name}`, n);
        if (mod.namespace !== CTRL_NS) this.deviceTops.set(`${n.module.namespace} ${n.name}`, n);
      }
    }
  }

  /**
   * Every module in `dirs`, and the built-in controller stub when no clixon-controller is
   * there (so with no folder at all, the controller's own nodes are still checked). What
   * could not be read is in `problems`: never a silent partial set.
   */
  static fromDirs(dirs: readonly string[], opts: LoadOptions & { complete?: boolean } = {}): SchemaSet {
    const { complete, ...load } = opts;
    const ctx = new YangContext(withController(dirs), load);
    ctx.loadAll();
    return new SchemaSet(ctx, dirs, opts.features, complete ?? false);
  }

  get modules(): ReadonlyMap<string, YangModule> {
    return this.ctx.modules;
  }

  /** Throws YangLoadError when part of the YANG could not be read. */
  requireWhole(): this {
    if (this.problems.length > 0) throw new YangLoadError(this.problems, this.searched);
    return this;
  }

  /** The schema node of a top-level element, or of an element at a device's config mount point. */
  top(ns: string, name: string, device: boolean): SchemaNode | undefined {
    return (device ? this.deviceTops : this.tops).get(`${ns} ${name}`);
  }

  knowsNamespace(ns: string): boolean {
    return this.namespaces.has(ns);
  }

  hasTopNamed(name: string, device: boolean): boolean {
    for (const n of (device ? this.deviceTops : this.tops).values()) if (n.name === name) return true;
    return false;
  }
}

