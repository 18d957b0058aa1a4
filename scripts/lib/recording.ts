/**
 * What the recording scripts (record-controller.ts, record-models.ts) share: their error,
 * and the controller socket from -s, -f or CLIXON_CONTROLLER_CONFIG.
 */
import { readControllerConfig } from '../../src/service/config.ts';

export class RecorderError extends Error {
  override name = 'RecorderError';
}

/** The socket given with -s, else the CLICON_SOCK of the controller.xml given with -f or in CLIXON_CONTROLLER_CONFIG. */
export function controllerSocket(args: { sockpath?: string | undefined; configfile?: string | undefined }): string {
  if (args.sockpath) return args.sockpath;
  const file = args.configfile ?? process.env.CLIXON_CONTROLLER_CONFIG;
  if (!file) throw new RecorderError('give -s <socket>, -f <controller.xml> or CLIXON_CONTROLLER_CONFIG');
  const sock = readControllerConfig(file).sock;
  if (!sock) throw new RecorderError(`${file} has no CLICON_SOCK`);
  return sock;
}
