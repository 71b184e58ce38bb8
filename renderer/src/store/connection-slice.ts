import { DEFAULT_CONNECTION_FORM, type ConnectionForm } from './connection-form.js';
import type { SliceCreator } from './types.js';

export interface ConnectionSlice {
  connection: ConnectionForm;
  setConnectionField<K extends keyof ConnectionForm>(field: K, value: ConnectionForm[K]): void;
  setConnection(form: ConnectionForm): void;
}

export const createConnectionSlice: SliceCreator<ConnectionSlice> = (set) => ({
  connection: DEFAULT_CONNECTION_FORM,
  setConnectionField: (field, value) => set((state) => ({ connection: { ...state.connection, [field]: value } })),
  setConnection: (form) => set({ connection: form }),
});
