import { STOP_STAGES, type StoppedAfter } from '../../shared/session-record.js';
import { defined } from '../../shared/defined.js';
import { parseAttribute, type Attribute } from '../smtp/protocol/attributes.js';
import { parseProxyEnd, type ProxyEnd, type ProxyHeaderInput } from '../smtp/protocol/proxy-header.js';
import { oneOf } from './arg-values.js';
import { UsageError } from './usage-error.js';

/** The CLI's session options that need more than a copy: the PROXY header, XCLIENT/XFORWARD attributes, stop stages. */

/** --proxy-header v1|v2 with its optional ends. */
export function proxyOption(
  version: string | undefined,
  source: string | undefined,
  dest: string | undefined,
): ProxyHeaderInput | undefined {
  if (version === undefined) {
    if (source !== undefined || dest !== undefined) throw new UsageError('--proxy-source and --proxy-dest go with --proxy-header v1|v2');
    return undefined;
  }
  const v = oneOf(version, ['v1', 'v2'] as const, 'proxy-header')!;
  const end = (text: string | undefined, option: string): ProxyEnd | undefined => {
    if (text === undefined) return undefined;
    try {
      return parseProxyEnd(text, option);
    } catch (error) {
      throw new UsageError((error as Error).message);
    }
  };
  return { version: v, ...defined({ source: end(source, '--proxy-source'), destination: end(dest, '--proxy-dest') }) };
}

/** --xclient / --xforward NAME=VALUE. */
export function attribute(text: string, option: string): Attribute {
  try {
    return parseAttribute(text, option);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

/** --quit-after / --drop-after: at most one, a known stage, mail and rcpt only where there is an envelope (send). */
export function stopStage(quitAfter: string | undefined, dropAfter: string | undefined, command: string): StoppedAfter | undefined {
  if (quitAfter !== undefined && dropAfter !== undefined) throw new UsageError('give either --quit-after or --drop-after, not both');
  const option = quitAfter !== undefined ? 'quit-after' : 'drop-after';
  const stage = oneOf(quitAfter ?? dropAfter, STOP_STAGES, option);
  if (stage === undefined) return undefined;
  if ((stage === 'mail' || stage === 'rcpt') && command !== 'send') {
    throw new UsageError(`--${option} ${stage} goes with send (it needs an envelope: --from and --to)`);
  }
  return { stage, quit: quitAfter !== undefined };
}
