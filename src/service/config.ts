/**
 * Reads the controller's configuration file (controller.xml, `-f`) for what the service
 * server needs: socket, module path and filter, pid file, and its YANG folders (the
 * devices' models, for --validate). Options are found by local name
 * wherever they sit and whatever namespace they carry (the PYAPI ones come in
 * `http://clicon.org/controller-config`).
 */
import { existsSync } from 'node:fs';
import { localName, parseFile, type XmlNode } from '../xml/index.ts';

export interface ControllerConfig {
  /** CLICON_SOCK: a Unix socket path, or an address for IPv4/IPv6 families. */
  sock?: string;
  /** CLICON_SOCK_FAMILY: UNIX (default), IPv4, IPv6. */
  sockFamily?: string;
  sockPort?: number;
  modulePath?: string;
  /** CONTROLLER_PYAPI_MODULE_FILTER, split at commas. */
  moduleFilter?: string[];
  pidFile?: string;
  /** Every CLICON_YANG_DIR, then CLICON_YANG_MAIN_DIR and CLICON_YANG_DOMAIN_DIR (device models per mount domain). */
  yangDirs?: string[];
}

/**
 * The Python server's older documentation gives `-f` as the modules to exclude
 * (`-f<module1,module2>`); today `-f` is the controller's config file there too, and the
 * exclusions are `-e`. A missing "file" that reads as module names gets that said.
 */
function looksLikeModuleNames(path: string): boolean {
  return /^[\w.-]+(,[\w.-]+)*$/.test(path) && !/\.xml$/i.test(path);
}

function moduleFilterHint(path: string): string {
  return ` (-f takes the controller's configuration file, controller.xml; to skip modules, use -e ${path})`;
}

export class ConfigFileError extends Error {
  constructor(readonly path: string, reason: string) {
    super(`configuration file ${path}: ${reason}`);
    this.name = 'ConfigFileError';
  }
}

export function readControllerConfig(path: string): ControllerConfig {
  if (!existsSync(path)) throw new ConfigFileError(path, `does not exist${looksLikeModuleNames(path) ? moduleFilterHint(path) : ''}`);
  let root: XmlNode;
  try {
    root = parseFile(path);
  } catch (err) {
    throw new ConfigFileError(path, err instanceof Error ? err.message : String(err));
  }
  const values = new Map<string, string>();
  // CLICON_YANG_DIR may be given many times: every value is kept.
  const yangDirs: string[] = [];
  const walk = (el: XmlNode): void => {
    for (const c of el.getChildren()) {
      const name = localName(c.getName());
      if (name === 'CLICON_YANG_DIR' && c.getChildren().length === 0) yangDirs.push(c.getData().trim());
      else if (c.getChildren().length === 0 && !values.has(name)) values.set(name, c.getData().trim());
      else walk(c);
    }
  };
  walk(root);
  const cfg: ControllerConfig = {};
  const sock = values.get('CLICON_SOCK');
  if (sock) cfg.sock = sock;
  const family = values.get('CLICON_SOCK_FAMILY');
  if (family) cfg.sockFamily = family;
  const port = values.get('CLICON_SOCK_PORT');
  if (port) {
    const n = Number(port);
    if (!Number.isInteger(n) || n <= 0 || n > 65535) throw new ConfigFileError(path, `CLICON_SOCK_PORT ${port} is not a port`);
    cfg.sockPort = n;
  }
  const mpath = values.get('CONTROLLER_PYAPI_MODULE_PATH');
  if (mpath) cfg.modulePath = mpath;
  const filter = values.get('CONTROLLER_PYAPI_MODULE_FILTER');
  if (filter) cfg.moduleFilter = filter.split(',').map((s) => s.trim()).filter((s) => s !== '');
  const pid = values.get('CONTROLLER_PYAPI_PIDFILE');
  if (pid) cfg.pidFile = pid;
  for (const opt of ['CLICON_YANG_MAIN_DIR', 'CLICON_YANG_DOMAIN_DIR']) {
    const dir = values.get(opt);
    if (dir) yangDirs.push(dir);
  }
  if (yangDirs.length) cfg.yangDirs = yangDirs.filter((d) => d !== '');
  return cfg;
}
