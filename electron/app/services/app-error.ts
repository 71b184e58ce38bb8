import type { AppErrorCode } from '../../../shared/ipc/contract.js';

/** An application (not SMTP) failure with a stable code, carried across the boundary as an ErrorDto. */
export class AppError extends Error {
  override readonly name = 'AppError';
  constructor(
    readonly code: AppErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
