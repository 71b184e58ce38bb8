import type { PreparedMessage } from '../smtp/prepare-message.js';

/** The whole message as it goes after DATA (before dot-stuffing), in memory. */
export async function messageBytes(prepared: PreparedMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of prepared.source.open()) chunks.push(chunk);
  return Buffer.concat(chunks);
}
