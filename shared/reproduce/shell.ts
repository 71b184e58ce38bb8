/** Quoting for a POSIX shell: a word that needs none is left bare, anything else goes in single quotes. */
export function shellWord(value: string): string {
  if (value !== '' && /^[A-Za-z0-9_@%+=:,./-]+$/.test(value)) return value;
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/** A here-document delimiter that is not a line of `text`. */
export function heredocDelimiter(text: string): string {
  const lines = new Set(text.split('\n'));
  let delimiter = 'SMTP_LENS_MESSAGE';
  for (let n = 2; lines.has(delimiter); n++) delimiter = `SMTP_LENS_MESSAGE_${n}`;
  return delimiter;
}

/** A valid environment variable name (what a shell and Python both accept). */
export function assertEnvName(name: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new Error(`"${name}" is not an environment variable name`);
  return name;
}
