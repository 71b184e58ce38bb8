import type { ErrorDto, ProfileSummary } from '../../../shared/ipc/contract.js';
import type { ProfileInput } from '../../../shared/ipc/schemas.js';
import type { AppApi } from '../lib/api.js';
import {
  DEFAULT_AUTH_FORM,
  MECHANISMS,
  formFromSettings,
  toConnectionSettings,
  type AuthForm,
  type ConnectionForm,
  type Mechanism,
} from './connection-form.js';
import type { SliceCreator } from './types.js';

/**
 * Saved server settings. The renderer never receives a stored secret or client key: a profile says whether it has
 * them (`hasSecret`, `hasClientKey`) and requests name the profile (`auth.profileId`, `profileId`) so that main uses
 * them.
 */
export interface ProfilesView {
  list: ProfileSummary[];
  /** The list was fetched at least once. */
  loaded: boolean;
  loading: boolean;
  /** A save, rename, duplicate or delete is running. */
  busy: boolean;
  /** What failed last (listing or an action), shown in the profiles section. */
  error?: ErrorDto;
  /** Something worth saying after an action that succeeded ("saved without the password: …"). */
  notice?: string;
  /** The profile loaded into the form; requests name it so main can use its stored password or client key. */
  activeId?: string;
}

export interface SaveProfileOptions {
  /** Store the password typed in the form (only where the OS key store exists); false on an update forgets it. */
  rememberSecret: boolean;
  /** Update this profile instead of creating one. */
  id?: string;
}

export interface ProfilesSlice {
  profiles: ProfilesView;
  loadProfiles(): Promise<void>;
  /** Save the form as a profile (new, or `options.id` updated); it becomes the active one. Resolves to whether it worked. */
  saveProfileFromForm(name: string, options: SaveProfileOptions): Promise<boolean>;
  renameProfile(id: string, name: string): Promise<boolean>;
  duplicateProfile(id: string): Promise<boolean>;
  deleteProfile(id: string): Promise<boolean>;
  /** Load a profile into the connection and authentication forms. */
  applyProfile(id: string): void;
  /** Stop using the active profile (the form stays as it is). */
  clearActiveProfile(): void;
  dismissProfileMessage(): void;
}

export type ProfileInputOrError = { ok: true; input: ProfileInput; dropped: string[] } | { ok: false; error: ErrorDto };

const isMechanism = (value: string): value is Mechanism => MECHANISMS.some((m) => m.value === value);

/**
 * The profile to save from the forms. Without a key store the password and client key are left out (`dropped`
 * says which); with `rememberSecret` false, an update forgets a stored password.
 */
export function profileInputFromForm(
  name: string,
  form: ConnectionForm,
  auth: AuthForm,
  options: SaveProfileOptions & { secretStorage: boolean; existing?: ProfileSummary },
): ProfileInputOrError {
  const trimmed = name.trim();
  if (!trimmed)
    return {
      ok: false,
      error: {
        code: 'invalid-input',
        message: 'Give the profile a name.',
        issues: [{ path: 'name', message: 'Give the profile a name.' }],
      },
    };
  if (trimmed.length > 200) return { ok: false, error: { code: 'invalid-input', message: 'A profile name is at most 200 characters.' } };
  const settings = toConnectionSettings(form);
  if (!settings.ok) return settings;
  const dropped: string[] = [];
  const connection = { ...settings.settings };
  if (connection.clientKeyPem !== undefined && !options.secretStorage) {
    delete connection.clientKeyPem;
    dropped.push('the client key');
  }
  const input: ProfileInput = { name: trimmed, connection };
  if (options.id !== undefined) input.id = options.id;
  const user = auth.user.trim();
  if (user) {
    input.auth = { mechanism: auth.mechanism, user, ...(auth.authzid.trim() ? { authzid: auth.authzid.trim() } : {}) };
  }
  if (options.rememberSecret && user && auth.secret) {
    if (options.secretStorage) input.secret = auth.secret;
    else dropped.push('the password');
  } else if (!options.rememberSecret && options.existing?.hasSecret) {
    input.secret = null;
  }
  return { ok: true, input, dropped };
}

/** A name not yet in the list: "Office (copy)", "Office (copy 2)", … */
export function uniqueProfileName(base: string, list: readonly ProfileSummary[]): string {
  const taken = new Set(list.map((p) => p.name.toLowerCase()));
  let candidate = `${base} (copy)`;
  for (let n = 2; taken.has(candidate.toLowerCase()); n++) candidate = `${base} (copy ${n})`;
  return candidate.slice(0, 200);
}

/** The forms showing a profile: its connection, its user, and "use the stored password" when it has one. */
export function formsFromProfile(profile: ProfileSummary): { connection: ConnectionForm; auth: AuthForm } {
  const connection = formFromSettings(profile.connection);
  connection.clientKeyStored = profile.hasClientKey === true && profile.connection.clientCertPem !== undefined;
  const auth: AuthForm = {
    ...DEFAULT_AUTH_FORM,
    mechanism: profile.auth && isMechanism(profile.auth.mechanism) ? profile.auth.mechanism : 'auto',
    user: profile.auth?.user ?? '',
    authzid: profile.auth?.authzid ?? '',
    useStored: profile.hasSecret,
  };
  return { connection, auth };
}

/**
 * Whether the forms differ from what the profile put there (a typed password aside: the profile may not store one):
 * the panel then says "modified" instead of silently dropping the profile.
 */
export function profileModified(profile: ProfileSummary, connection: ConnectionForm, auth: AuthForm): boolean {
  const expected = formsFromProfile(profile);
  const same = (a: object, b: object): boolean => JSON.stringify(a, Object.keys(a).sort()) === JSON.stringify(b, Object.keys(b).sort());
  const { secret: _typed, useStored: _a, ...authNow } = auth;
  const { secret: _none, useStored: _b, ...authThen } = expected.auth;
  return !same(expected.connection, connection) || !same(authThen, authNow);
}

const sortByName = (list: ProfileSummary[]): ProfileSummary[] =>
  [...list].sort((a, b) => a.name.localeCompare(b.name, undefined, { sensitivity: 'base' }) || a.id.localeCompare(b.id));

export const createProfilesSlice =
  (api: AppApi): SliceCreator<ProfilesSlice> =>
  (set, get) => {
    const patch = (p: Partial<ProfilesView>) => set((state) => ({ profiles: { ...state.profiles, ...p } }));

    /** Put a saved profile into the list (replacing the old version). */
    const upsert = (saved: ProfileSummary) => sortByName([...get().profiles.list.filter((p) => p.id !== saved.id), saved]);

    const save = async (input: ProfileInput): Promise<ProfileSummary | undefined> => {
      patch({ busy: true, error: undefined, notice: undefined });
      const result = await api.saveProfile(input);
      if (!result.ok) {
        patch({ busy: false, error: result.error });
        return undefined;
      }
      patch({ busy: false, list: upsert(result.value) });
      return result.value;
    };

    return {
      profiles: { list: [], loaded: false, loading: false, busy: false },

      async loadProfiles() {
        patch({ loading: true });
        const result = await api.listProfiles();
        if (!result.ok) {
          patch({ loading: false, error: result.error });
          return;
        }
        const activeId = get().profiles.activeId;
        patch({
          loading: false,
          loaded: true,
          list: result.value,
          error: undefined,
          activeId: activeId !== undefined && result.value.some((p) => p.id === activeId) ? activeId : undefined,
        });
      },

      async saveProfileFromForm(name, options) {
        const state = get();
        const existing = options.id !== undefined ? state.profiles.list.find((p) => p.id === options.id) : undefined;
        const built = profileInputFromForm(name, state.connection, state.auth, {
          ...options,
          secretStorage: state.ui.appInfo?.secretStorage.available === true,
          ...(existing ? { existing } : {}),
        });
        if (!built.ok) {
          patch({ error: built.error, notice: undefined });
          return false;
        }
        const saved = await save(built.input);
        if (!saved) return false;
        const reason = state.ui.appInfo?.secretStorage.reason;
        patch({
          activeId: saved.id,
          notice: built.dropped.length
            ? `Saved without ${built.dropped.join(' and ')}: ${reason ?? 'no key store is available'}. They are asked each time.`
            : undefined,
        });
        // The form now stands for the saved profile: a stored key and password are used from main.
        const { connection, auth } = get();
        set({
          connection: { ...connection, clientKeyStored: saved.hasClientKey === true && connection.clientCertPem !== '' },
          auth: { ...auth, useStored: saved.hasSecret },
        });
        return true;
      },

      async renameProfile(id, name) {
        const profile = get().profiles.list.find((p) => p.id === id);
        const trimmed = name.trim();
        if (!profile) return false;
        if (!trimmed) {
          patch({ error: { code: 'invalid-input', message: 'Give the profile a name.' } });
          return false;
        }
        // The stored password and client key stay (neither is sent: absent means "keep").
        const input: ProfileInput = {
          id,
          name: trimmed,
          connection: profile.connection,
          ...(profile.auth ? { auth: profile.auth as ProfileInput['auth'] } : {}),
        };
        return (await save(input)) !== undefined;
      },

      async duplicateProfile(id) {
        const profile = get().profiles.list.find((p) => p.id === id);
        if (!profile) return false;
        const input: ProfileInput = {
          name: uniqueProfileName(profile.name, get().profiles.list),
          connection: profile.connection,
          ...(profile.auth ? { auth: profile.auth as ProfileInput['auth'] } : {}),
        };
        const saved = await save(input);
        if (saved && (profile.hasSecret || profile.hasClientKey)) {
          patch({ notice: `“${saved.name}” was made without the stored password and client key; enter them to use it.` });
        }
        return saved !== undefined;
      },

      async deleteProfile(id) {
        patch({ busy: true, error: undefined, notice: undefined });
        const result = await api.deleteProfile(id);
        if (!result.ok) {
          patch({ busy: false, error: result.error });
          return false;
        }
        const { profiles } = get();
        patch({
          busy: false,
          list: profiles.list.filter((p) => p.id !== id),
          activeId: profiles.activeId === id ? undefined : profiles.activeId,
        });
        if (profiles.activeId === id) {
          // The stored password and key went with it.
          const { connection, auth } = get();
          set({ connection: { ...connection, clientKeyStored: false }, auth: { ...auth, useStored: false } });
        }
        return true;
      },

      applyProfile(id) {
        const profile = get().profiles.list.find((p) => p.id === id);
        if (!profile) return;
        const { connection, auth } = formsFromProfile(profile);
        set({ connection, auth, formAttempted: false });
        patch({ activeId: id, error: undefined, notice: undefined });
      },

      clearActiveProfile() {
        const { connection, auth } = get();
        set({ connection: { ...connection, clientKeyStored: false }, auth: { ...auth, useStored: false } });
        patch({ activeId: undefined });
      },

      dismissProfileMessage() {
        patch({ error: undefined, notice: undefined });
      },
    };
  };
