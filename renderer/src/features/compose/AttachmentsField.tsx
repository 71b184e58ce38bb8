import { useId, useRef, useState } from 'react';
import {
  MAX_ATTACHMENT_BYTES,
  base64FromDataUrl,
  checkAttachmentCount,
  checkInlineAttachmentSize,
  formatBytes,
  type AttachmentItem,
} from '../../lib/compose/attachments.js';
import { useAppStore } from '../../store/index.js';

/** A browser file as base64, through FileReader (no fetch, nothing inline: fine under the CSP). */
function readAsBase64(file: File): Promise<string> {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => {
      try {
        resolve(base64FromDataUrl(String(reader.result)));
      } catch (err) {
        reject(err instanceof Error ? err : new Error(String(err)));
      }
    };
    reader.onerror = () => reject(reader.error ?? new Error('the file could not be read'));
    reader.readAsDataURL(file);
  });
}

/**
 * Attachments: in the desktop app a native file dialog (the files are sent from disk, by path); in a browser a file
 * input (each file is read here and sent as base64, at most 36 MB each).
 */
export function AttachmentsField({ disabled }: { disabled?: boolean }) {
  const attachments = useAppStore((s) => s.compose.attachments);
  const error = useAppStore((s) => s.compose.attachmentError);
  const host = useAppStore((s) => s.ui.appInfo?.host);
  const addAttachments = useAppStore((s) => s.addAttachments);
  const removeAttachment = useAppStore((s) => s.removeAttachment);
  const setAttachmentError = useAppStore((s) => s.setAttachmentError);
  const pickAttachments = useAppStore((s) => s.pickAttachments);
  const [reading, setReading] = useState(false);
  const inputRef = useRef<HTMLInputElement>(null);
  const id = useId();
  const native = host === 'electron';

  const onFiles = async (list: FileList | null) => {
    const files = list ? [...list] : [];
    if (inputRef.current) inputRef.current.value = '';
    if (files.length === 0) return;
    const tooMany = checkAttachmentCount(attachments.length, files.length);
    if (tooMany) {
      setAttachmentError(tooMany);
      return;
    }
    const problems: string[] = [];
    const items: Omit<Extract<AttachmentItem, { kind: 'inline' }>, 'id'>[] = [];
    setReading(true);
    try {
      for (const file of files) {
        const tooBig = checkInlineAttachmentSize(file.name, file.size);
        if (tooBig) {
          problems.push(tooBig);
          continue;
        }
        try {
          const contentBase64 = await readAsBase64(file);
          items.push({ kind: 'inline', name: file.name, size: file.size, contentBase64, ...(file.type ? { contentType: file.type } : {}) });
        } catch (err) {
          problems.push(`Could not read ${file.name}: ${err instanceof Error ? err.message : String(err)}`);
        }
      }
    } finally {
      setReading(false);
    }
    addAttachments(items);
    setAttachmentError(problems.length ? problems.join(' ') : undefined);
  };

  const total = attachments.reduce((sum, a) => sum + a.size, 0);
  return (
    <fieldset className="compose-attachments" disabled={disabled}>
      <legend>Attachments</legend>
      {attachments.length > 0 ? (
        <ul className="attachment-list" aria-label="Attached files">
          {attachments.map((a) => (
            <li key={a.id} className="attachment">
              <span className="attachment-name">{a.name}</span>
              <span className="attachment-size subtle">{formatBytes(a.size)}</span>
              <span className="attachment-kind subtle">{a.kind === 'path' ? 'sent from disk' : 'read in the browser'}</span>
              <button type="button" className="link" aria-label={`Remove ${a.name}`} onClick={() => removeAttachment(a.id)}>
                Remove
              </button>
            </li>
          ))}
        </ul>
      ) : (
        <p className="hint">No attachments.</p>
      )}
      <div className="attachment-actions">
        {native ? (
          <button type="button" className="secondary" onClick={() => void pickAttachments()}>
            Attach files…
          </button>
        ) : (
          <>
            <label htmlFor={`${id}-files`} className="file-label">
              Attach files
            </label>
            <input
              ref={inputRef}
              id={`${id}-files`}
              type="file"
              multiple
              aria-describedby={`${id}-limit`}
              onChange={(e) => void onFiles(e.target.files)}
            />
          </>
        )}
        {attachments.length > 1 ? <span className="subtle">{attachments.length} files, {formatBytes(total)} in all</span> : null}
        {reading ? (
          <span role="status" className="subtle">
            Reading…
          </span>
        ) : null}
      </div>
      {!native ? (
        <p id={`${id}-limit`} className="hint">
          Each file can be at most {formatBytes(MAX_ATTACHMENT_BYTES)}; it is read here and sent base64-encoded.
        </p>
      ) : null}
      {error ? (
        <p className="inline-error" role="alert">
          {error}
        </p>
      ) : null}
    </fieldset>
  );
}
