import { useId, useRef, useState } from 'react';
import { api } from '../../lib/api.js';
import {
  MAX_UPLOAD_BYTES,
  checkAttachmentCount,
  checkUploadSize,
  formatBytes,
  type AttachmentItem,
} from '../../lib/compose/attachments.js';
import { useAppStore } from '../../store/index.js';

/**
 * Attachments: in the desktop app a native file dialog (the files are sent from disk, by path); in a browser a file
 * input whose files the browser streams to the web host as they are (the page never reads or encodes them).
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
    const items: Omit<Extract<AttachmentItem, { kind: 'upload' }>, 'id'>[] = [];
    setReading(true);
    try {
      for (const file of files) {
        const tooBig = checkUploadSize(file.name, file.size);
        if (tooBig) {
          problems.push(tooBig);
          continue;
        }
        const uploaded = await api.uploadFile(file);
        if (uploaded.ok) {
          items.push({
            kind: 'upload',
            name: file.name,
            size: uploaded.value.size,
            uploadId: uploaded.value.id,
            ...(file.type ? { contentType: file.type } : {}),
          });
        } else {
          problems.push(`Could not attach ${file.name}: ${uploaded.error.message}`);
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
              <span className="attachment-kind subtle">{a.kind === 'path' ? 'sent from disk' : 'uploaded to SMTP Lens'}</span>
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
        {attachments.length > 1 ? (
          <span className="subtle">
            {attachments.length} files, {formatBytes(total)} in all
          </span>
        ) : null}
        {reading ? (
          <span role="status" className="subtle">
            Uploading…
          </span>
        ) : null}
      </div>
      {!native ? (
        <p id={`${id}-limit`} className="hint">
          Each file can be at most {formatBytes(MAX_UPLOAD_BYTES)}; the browser hands it to SMTP Lens as it is.
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
