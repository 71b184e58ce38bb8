/** Plain-words explanations of SMTP replies, status codes, extensions, TLS and outcomes. Pure; shared by all hosts. */
export * from './references.js';
export * from './reply-codes.js';
export * from './enhanced-codes.js';
export * from './extensions.js';
export * from './tls.js';
export * from './capability-diff.js';
export * from './outcomes.js';
export * from './query.js';
export * from './reply-text.js';
