/**
 * The header's note when secrets cannot be stored: "Passwords are asked each time: <reason>". Main's reason may
 * already end by saying so ("…; passwords are asked for each time"): that part is not repeated. Pure.
 */
export function secretStoreNote(reason: string | undefined): string {
  const why = (reason ?? '').replace(/[;,.]?\s*(passwords|secrets)( and [a-z ]+)? are asked( for)? each time\.?\s*$/i, '').trim();
  return `Passwords are asked each time: ${why || 'no OS key store is available'}`;
}
