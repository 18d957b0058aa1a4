/**
 * Supervision through launchers. A supervisor (the controller, systemd, a test) stops the
 * server by signalling the pid it started; when that pid is a launcher that does not pass
 * the signal on (`npx` and `npm exec`, and the `sh -c` they run), the launcher dies and the
 * server lives on, re-parented. So the server notes the launchers above it at start (on
 * Linux, from /proc) and stops when one of them is gone or has lost its own parent; the
 * same for the controller when it started the server itself.
 */
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';

/** A launcher process above the server, with the parent it had at start. */
export interface Launcher {
  pid: number;
  ppid: number;
  command: string;
}

const SHELLS = new Set(['sh', 'bash', 'dash', 'ash']);
const NODE_LAUNCHERS = /(?:^|\/)(?:tsx|npm|npx|npm-cli\.js|npx-cli\.js|tsx\/dist\/cli\.mjs)$/;

/**
 * True for a command line that only starts another program: npm and npx (they set their
 * process title, `npm exec tsx …`), a shell's `-c`, node running the tsx, npm or npx CLI.
 */
export function isLauncher(argv: readonly string[]): boolean {
  const first = basename((argv[0] ?? '').split(' ')[0] ?? '');
  if (first === 'npm' || first === 'npx') return true;
  if (SHELLS.has(first)) return argv[1] === '-c';
  if (first !== 'node' && first !== 'nodejs') return false;
  return NODE_LAUNCHERS.test(nodeScript(argv));
}

/** Node's options that take the next argument as their value. */
const NODE_VALUE_OPTIONS = new Set(['--import', '--require', '-r', '--loader', '--experimental-loader', '--conditions', '-C', '--title']);

/** The script node runs: its first argument that is neither an option nor an option's value. */
function nodeScript(argv: readonly string[]): string {
  for (let i = 1; i < argv.length; i++) {
    const a = argv[i]!;
    if (NODE_VALUE_OPTIONS.has(a)) i++;
    else if (!a.startsWith('-')) return a;
  }
  return '';
}

/** A process's parent and command line from /proc; undefined when it is gone (or not Linux). */
function readProcess(pid: number, proc: string): { ppid: number; argv: string[] } | undefined {
  try {
    const stat = readFileSync(`${proc}/${pid}/stat`, 'utf8');
    // "pid (comm) state ppid …": comm may hold spaces and parentheses, so read after the last ')'.
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    const argv = readFileSync(`${proc}/${pid}/cmdline`, 'utf8').split('\0').filter((a) => a !== '');
    return Number.isInteger(ppid) ? { ppid, argv } : undefined;
  } catch {
    return undefined;
  }
}

/** True for the Clixon backend (the controller), which starts the server through CONTROLLER_ACTION_COMMAND. */
export function isController(argv: readonly string[]): boolean {
  return basename((argv[0] ?? '').split(' ')[0] ?? '') === 'clixon_backend';
}

/**
 * The launchers right above `pid`, nearest first, up to the first process that is not one;
 * that process too when it is the controller. The controller does not stop the processes
 * it started when it exits (clixon's clixon_process_delete_all only forgets them), and the
 * controller it is restarted as starts a server of its own: one left behind would hold the
 * services-commit subscription, unsupervised. pyapi's server ends as its socket closes.
 */
export function launcherChain(pid: number = process.pid, proc = '/proc'): Launcher[] {
  const chain: Launcher[] = [];
  let parent = readProcess(pid, proc)?.ppid;
  while (parent !== undefined && parent > 1) {
    const p = readProcess(parent, proc);
    if (!p) break;
    const controller = isController(p.argv);
    if (!controller && !isLauncher(p.argv)) break;
    chain.push({ pid: parent, ppid: p.ppid, command: p.argv.join(' ') });
    if (controller) break;
    parent = p.ppid;
  }
  return chain;
}

/**
 * Calls `onGone` once when a launcher of `chain` is gone or re-parented (its own parent
 * died). Checks every `intervalMs` without keeping the process alive. Returns a stop function.
 */
export function watchLaunchers(chain: readonly Launcher[], onGone: (why: string) => void, intervalMs = 500, proc = '/proc'): () => void {
  if (chain.length === 0) return () => undefined;
  const timer = setInterval(() => {
    for (const l of chain) {
      const now = readProcess(l.pid, proc);
      if (now?.ppid === l.ppid) continue;
      clearInterval(timer);
      onGone(now ? `launcher ${l.pid} (${l.command}) lost its parent ${l.ppid}` : `launcher ${l.pid} (${l.command}) is gone`);
      return;
    }
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
