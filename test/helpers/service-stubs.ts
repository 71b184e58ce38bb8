import { AppError } from '../../electron/app/services/app-error.js';
import type { ProfileStoreApi, SessionLogStoreApi } from '../../electron/app/services/types.js';

/** A profile store with no profiles; `secret` is what every stored-secret lookup answers. */
export const stubProfiles = (secret?: string): ProfileStoreApi => ({
  warnings: [],
  list: async () => [],
  save: async () => {
    throw new Error('unused');
  },
  delete: async () => undefined,
  secretFor: async () => secret,
});

/** A session-log store with no logs: creating one is a test error, reading any gives not-found. */
export const stubLogs = (): SessionLogStoreApi => {
  const none = async (): Promise<never> => {
    throw new AppError('not-found', 'none');
  };
  return {
    create: () => {
      throw new Error('no logs in this test');
    },
    list: async () => [],
    open: none,
    openPaged: none,
    readEvents: none,
    stream: none,
    delete: async () => undefined,
    flushAll: async () => undefined,
  };
};
