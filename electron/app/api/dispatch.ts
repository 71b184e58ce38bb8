import type { z } from 'zod';
import { fail, ok, type ErrorDto, type Result } from '../../../shared/ipc/contract.js';
import { REQUEST_SCHEMAS, type RequestChannel } from '../../../shared/ipc/schemas.js';
import { SmtpError } from '../../smtp/errors.js';
import { AppError } from '../services/app-error.js';
import type { Handlers } from './handlers.js';

const MAX_ISSUES = 50;

/** Whether a value names a request channel (own keys only: "__proto__" or "toString" are not channels). */
export function isRequestChannel(channel: unknown): channel is RequestChannel {
  return typeof channel === 'string' && Object.hasOwn(REQUEST_SCHEMAS, channel);
}

function describeChannel(channel: unknown): string {
  if (typeof channel !== 'string') return `(${channel === null ? 'null' : typeof channel})`;
  return JSON.stringify(channel.length > 80 ? `${channel.slice(0, 80)}…` : channel);
}

/** The issues of a failed parse as path/message pairs. */
function issuesOf(error: z.ZodError): { path: string; message: string }[] {
  return error.issues.slice(0, MAX_ISSUES).map((issue) => ({
    path: issue.path.map(String).join('.'),
    message: issue.message,
  }));
}

/** A payload checked by its channel's schema: the parsed value, or the invalid-input error every channel answers with. */
export function parseRequest<S extends z.ZodType>(schema: S, channel: string, payload: unknown): Result<z.output<S>> {
  const parsed = schema.safeParse(payload === undefined ? {} : payload);
  if (parsed.success) return ok(parsed.data);
  return fail({ code: 'invalid-input', message: `invalid request for ${channel}`, issues: issuesOf(parsed.error) });
}

/**
 * A thrown value as it may cross to the renderer: the engine's error fields, an application code,
 * or a generic 'internal' error. The stack and any unexpected message stay in main (stderr).
 */
export function toErrorDto(error: unknown, channel?: string): ErrorDto {
  if (error instanceof SmtpError) return error.toJSON();
  if (error instanceof AppError) {
    if (error.code === 'internal') logUnexpected(error, channel);
    return { code: error.code, message: error.message };
  }
  logUnexpected(error, channel);
  return { code: 'internal', message: 'An unexpected error occurred; details are in the log.' };
}

function logUnexpected(error: unknown, channel: string | undefined): void {
  const where = channel ? ` handling ${channel}` : '';
  console.error(`smtp-lens: unexpected error${where}:`, error instanceof Error ? (error.stack ?? error.message) : error);
}

/**
 * Run one request from the renderer (Electron IPC or the web host): check the channel, parse the
 * payload with its schema, call the handler, and answer with a Result. Never throws.
 */
export async function dispatch(handlers: Handlers, channel: unknown, payload: unknown, caller?: unknown): Promise<Result<unknown>> {
  if (!isRequestChannel(channel)) {
    return fail({ code: 'invalid-input', message: `unknown channel ${describeChannel(channel)}` });
  }
  const parsed = REQUEST_SCHEMAS[channel].safeParse(payload === undefined ? {} : payload);
  if (!parsed.success) {
    return fail({
      code: 'invalid-input',
      message: `invalid request for ${channel}`,
      issues: issuesOf(parsed.error),
    });
  }
  try {
    const handler = handlers[channel] as (request: unknown, caller?: unknown) => Promise<unknown>;
    return ok(await handler(parsed.data, caller));
  } catch (error) {
    return fail(toErrorDto(error, channel));
  }
}
