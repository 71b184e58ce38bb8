import type { ComposeSettings } from '../../../../shared/ipc/schemas.js';

/**
 * Attachments in the composer. Two kinds: files picked in Electron's native dialog travel by path (main reads them,
 * and only files picked there); files chosen in a browser (the loopback web host) are read here and travel as
 * base64. Pure functions, no DOM: reading a `File` happens in the component.
 */

/** The largest attachment the contract carries as base64 (48 MiB of base64 is 36 MiB of data). */
export const MAX_ATTACHMENT_BYTES = 36 * 1024 * 1024;
/** The contract's limit on the number of attachments. */
export const MAX_ATTACHMENTS = 50;
/**
 * The web host takes at most 64 MiB in one WebSocket message and drops the connection past it: a send request
 * (bodies and base64 attachments together) must stay below this.
 */
export const MAX_WEB_REQUEST_BYTES = 60 * 1024 * 1024;

export type AttachmentItem =
  | { id: string; kind: 'path'; name: string; size: number; path: string }
  | { id: string; kind: 'inline'; name: string; size: number; contentType?: string; contentBase64: string };

/** A size for people: "512 bytes", "12.3 KB", "4.0 MB" (1 KB = 1024 bytes, as the limits are). */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} ${bytes === 1 ? 'byte' : 'bytes'}`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  if (bytes < 1024 * 1024 * 1024) return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
  return `${(bytes / (1024 * 1024 * 1024)).toFixed(2)} GB`;
}

/** Why a file read in the browser cannot be attached, or undefined. */
export function checkInlineAttachmentSize(name: string, size: number): string | undefined {
  if (size > MAX_ATTACHMENT_BYTES) {
    return `${name} is ${formatBytes(size)}; one attachment can be at most ${formatBytes(MAX_ATTACHMENT_BYTES)} here.`;
  }
  return undefined;
}

/** Why these many more attachments cannot be added, or undefined. */
export function checkAttachmentCount(current: number, adding: number): string | undefined {
  if (current + adding > MAX_ATTACHMENTS) {
    return `A message can have at most ${MAX_ATTACHMENTS} attachments (${current} already attached).`;
  }
  return undefined;
}

/** The base64 part of a `data:` URL as FileReader.readAsDataURL gives it. */
export function base64FromDataUrl(dataUrl: string): string {
  const comma = dataUrl.indexOf(',');
  if (!dataUrl.startsWith('data:') || comma < 0 || !dataUrl.slice(0, comma).endsWith(';base64')) {
    throw new Error('not a base64 data URL');
  }
  return dataUrl.slice(comma + 1);
}

/** Length in characters of the base64 form of `bytes` bytes. */
export const base64Length = (bytes: number): number => 4 * Math.ceil(bytes / 3);

/** A file name safe for the contract (no CR, LF, NUL or other controls; at most 255 characters). */
export function safeFilename(name: string): string {
  const cleaned = name.replace(/[\x00-\x1f\x7f]/g, '_').trim();
  return (cleaned || 'attachment').slice(0, 255);
}

/** The attachments as the contract takes them. */
export function toAttachmentSettings(items: readonly AttachmentItem[]): NonNullable<ComposeSettings['attachments']> {
  return items.map((item) => {
    if (item.kind === 'path') {
      const filename = safeFilename(item.name);
      // The file's own name is used unless it had to be cleaned.
      return filename === item.name ? { path: item.path } : { path: item.path, filename };
    }
    return {
      filename: safeFilename(item.name),
      contentBase64: item.contentBase64,
      ...(item.contentType ? { contentType: item.contentType } : {}),
    };
  });
}

/**
 * An upper estimate of a request's size in bytes as JSON: base64 attachments count as they are, text at three
 * bytes a character (worst case of UTF-8 plus JSON escaping of most characters).
 */
export function estimateRequestBytes(settings: ComposeSettings): number {
  let total = 16 * 1024;
  for (const a of settings.attachments ?? []) total += 'contentBase64' in a ? a.contentBase64.length + 512 : 4608;
  total += (settings.text?.length ?? 0) * 3 + (settings.html?.length ?? 0) * 3;
  return total;
}

/** Why a request is too big for the web host, or undefined. */
export function checkWebRequestSize(settings: ComposeSettings): string | undefined {
  const estimate = estimateRequestBytes(settings);
  if (estimate <= MAX_WEB_REQUEST_BYTES) return undefined;
  return (
    `Together, the bodies and attachments are about ${formatBytes(Math.round((estimate * 3) / 4))}; ` +
    `in the browser one message can carry about ${formatBytes((MAX_WEB_REQUEST_BYTES * 3) / 4)}. ` +
    'Remove an attachment, or use the desktop app (it sends files from disk).'
  );
}
