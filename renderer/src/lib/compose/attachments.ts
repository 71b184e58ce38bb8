import type { ComposeSettings } from '../../../../shared/ipc/schemas.js';

/**
 * Attachments in the composer. Two kinds, and the page reads neither: files picked in Electron's native dialog travel
 * by path (main reads them, and only files picked there); files chosen in a browser (the loopback web host) are
 * streamed by the browser to the host as they are (`POST /upload`) and travel by the id it answers. Pure functions,
 * no DOM.
 */

/** The largest file the web host takes as an upload (its limit; the desktop app reads files from disk). */
export const MAX_UPLOAD_BYTES = 256 * 1024 * 1024;
/** The contract's limit on the number of attachments. */
export const MAX_ATTACHMENTS = 50;

export type AttachmentItem =
  | { id: string; kind: 'path'; name: string; size: number; path: string }
  | { id: string; kind: 'upload'; name: string; size: number; contentType?: string; uploadId: string };

/** A size for people: "512 bytes", "12.3 KB", "4.0 MB" (1 KB = 1024 bytes, as the limits are). */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} ${bytes === 1 ? 'byte' : 'bytes'}`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  if (bytes < 1024 * 1024 * 1024) return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
  return `${(bytes / (1024 * 1024 * 1024)).toFixed(2)} GB`;
}

/** Why a file chosen in the browser cannot be uploaded, or undefined. */
export function checkUploadSize(name: string, size: number): string | undefined {
  if (size > MAX_UPLOAD_BYTES) {
    return `${name} is ${formatBytes(size)}; in the browser one attachment can be at most ${formatBytes(MAX_UPLOAD_BYTES)} (the desktop app sends files of any size from disk).`;
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
      upload: item.uploadId,
      filename: safeFilename(item.name),
      ...(item.contentType ? { contentType: item.contentType } : {}),
    };
  });
}
