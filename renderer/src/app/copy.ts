/**
 * Put text on the clipboard. The asynchronous Clipboard API first; where it is missing or refused (Electron's
 * permission handler may deny clipboard-write, and an insecure origin has none), a hidden textarea and
 * `document.execCommand('copy')`, which works inside the user's key press or click. Focus goes back where it was,
 * so copying from a keyboard-driven list leaves the list focused. Resolves to whether it worked.
 */
export async function copyText(text: string): Promise<boolean> {
  try {
    if (navigator.clipboard?.writeText) {
      await navigator.clipboard.writeText(text);
      return true;
    }
  } catch {
    // Refused: try the old way.
  }
  return copyWithTextarea(text);
}

function copyWithTextarea(text: string): boolean {
  const previous = document.activeElement instanceof HTMLElement ? document.activeElement : null;
  const area = document.createElement('textarea');
  area.value = text;
  area.readOnly = true;
  area.setAttribute('aria-hidden', 'true');
  area.tabIndex = -1;
  area.className = 'clipboard-buffer';
  document.body.append(area);
  let ok: boolean;
  try {
    area.select();
    ok = document.execCommand('copy');
  } catch {
    ok = false;
  } finally {
    area.remove();
    previous?.focus({ preventScroll: true });
  }
  return ok;
}
