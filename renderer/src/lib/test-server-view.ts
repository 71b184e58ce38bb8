import type { ReceivedMessage, TestServerListener } from '../../../shared/ipc/contract.js';
import { safeDownloadName } from './download.js';

/** Words and names for the test server tab. Pure. */

export const LISTENER_LABELS: Record<TestServerListener['kind'], string> = {
  plain: 'SMTP',
  starttls: 'STARTTLS',
  implicit: 'SMTPS',
  lmtp: 'LMTP',
};

/** "127.0.0.1:2525", "[::1]:2525" or the socket path. */
export function describeListener(l: TestServerListener): string {
  if (l.socketPath) return l.socketPath;
  const host = l.host?.includes(':') ? `[${l.host}]` : (l.host ?? '');
  return l.port === undefined ? host : `${host}:${l.port}`;
}

/** "test-server-message-20250131-140309-<id>.eml". */
export function messageFileName(m: Pick<ReceivedMessage, 'id' | 'receivedAt'>): string {
  const when = m.receivedAt
    .replace(/\.\d+Z$/, 'Z')
    .replace(/[-:]/g, '')
    .replace('T', '-')
    .replace(/Z$/, '');
  return safeDownloadName(`test-server-message-${when}-${m.id.slice(0, 16)}.eml`, 'test-server-message.eml');
}
