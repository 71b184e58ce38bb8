import type { ExportedFile } from '../../../shared/ipc/contract.js';

/**
 * Browser downloads, where there is no native save dialog (the loopback web host): of a file the renderer holds (a
 * received message) as a Blob, an object URL and a click on an `<a download>`; or of a file the web host streams (an
 * exported session, which never passes through the page) by a click on an `<a download>` pointing at it.
 *
 * Type-checked and unit-tested under Node too (no DOM lib): the few DOM pieces are described structurally and can be
 * passed in.
 */

export interface AnchorLike {
  href: string;
  download: string;
  rel: string;
  click(): void;
  remove(): void;
}

export interface DownloadEnvironment {
  createAnchor(): AnchorLike;
  /** Put the anchor in the document (some browsers ignore clicks on detached anchors). */
  attach(anchor: AnchorLike): void;
  createObjectURL(blob: Blob): string;
  revokeObjectURL(url: string): void;
  /** Run later (the URL is revoked once the browser has taken the download). */
  later(work: () => void): void;
}

interface DocumentLike {
  createElement(tag: 'a'): AnchorLike;
  body: { append(node: AnchorLike): void } | null;
}

/** The page's document, URL and timers. */
export function browserEnvironment(): DownloadEnvironment {
  const doc = (globalThis as unknown as { document?: DocumentLike }).document;
  if (!doc) throw new Error('there is no document to download from');
  return {
    createAnchor: () => doc.createElement('a'),
    attach: (anchor) => doc.body?.append(anchor),
    createObjectURL: (blob) => URL.createObjectURL(blob),
    revokeObjectURL: (url) => URL.revokeObjectURL(url),
    later: (work) => {
      setTimeout(work, 30_000);
    },
  };
}

/** A file name safe to offer for download: no path separators or control characters, not empty, bounded. */
export function safeDownloadName(name: string, fallback = 'smtp-lens-export.txt'): string {
  const cleaned = name
    // Control characters, path separators and characters Windows refuses.
    .replace(/[\u0000-\u001f\u007f/\\:*?"<>|]+/g, '-')
    .replace(/^[.\s-]+/, '')
    .trim()
    .slice(0, 200);
  return cleaned || fallback;
}

/** Offer `file` as a download. Throws when the environment cannot. */
export function downloadFile(file: ExportedFile, env: DownloadEnvironment = browserEnvironment()): void {
  const blob = new Blob([file.content], { type: file.mimeType || 'application/octet-stream' });
  const url = env.createObjectURL(blob);
  const anchor = env.createAnchor();
  anchor.href = url;
  anchor.download = safeDownloadName(file.filename);
  anchor.rel = 'noopener';
  env.attach(anchor);
  try {
    anchor.click();
  } finally {
    anchor.remove();
    env.later(() => env.revokeObjectURL(url));
  }
}

/**
 * Have the browser download `url` (a same-origin path of the web host, which streams the file and names it in its
 * Content-Disposition): a click on a hidden `<a download>`. The page does not see the file, nor learn how the
 * download ends; the browser shows its progress. Throws when the environment cannot.
 */
export function startDownload(url: string, filename: string, env: DownloadEnvironment = browserEnvironment()): void {
  const anchor = env.createAnchor();
  anchor.href = url;
  anchor.download = safeDownloadName(filename);
  anchor.rel = 'noopener';
  env.attach(anchor);
  try {
    anchor.click();
  } finally {
    anchor.remove();
  }
}
