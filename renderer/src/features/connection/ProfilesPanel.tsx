import { useState } from 'react';
import type { ProfileSummary } from '../../../../shared/ipc/contract.js';
import { ActionsMenu } from '../../app/ActionsMenu.js';
import { ErrorNote } from '../../components/ErrorNote.js';
import { formFromSettings, describeForm } from '../../store/connection-form.js';
import { useAppStore } from '../../store/index.js';
import { profileModified } from '../../store/profiles-slice.js';
import { CheckField, TextField } from './fields.js';

/**
 * Saved server settings: load one into the form, save the form (new or over the loaded one), rename, duplicate,
 * delete. A password is remembered only where the OS has a key store; the renderer never receives it.
 */
export function ProfilesPanel() {
  const list = useAppStore((s) => s.profiles.list);
  const activeId = useAppStore((s) => s.profiles.activeId);
  const busy = useAppStore((s) => s.profiles.busy);
  const error = useAppStore((s) => s.profiles.error);
  const notice = useAppStore((s) => s.profiles.notice);
  const locked = useAppStore((s) => s.session.status === 'running' || s.session.open);
  const dismiss = useAppStore((s) => s.dismissProfileMessage);
  const clearActive = useAppStore((s) => s.clearActiveProfile);
  const [saving, setSaving] = useState<'new' | 'update' | undefined>(undefined);
  const active = list.find((p) => p.id === activeId);
  const modified = useAppStore((s) => (active ? profileModified(active, s.connection, s.auth) : false));

  return (
    <section className="profiles sidebar-section" aria-labelledby="profiles-heading">
      <h2 id="profiles-heading" className="section-title">
        Profiles
        <span className="spacer" />
        <button type="button" className="small" disabled={busy || locked} onClick={() => setSaving('new')}>
          Save as…
        </button>
      </h2>
      {list.length === 0 ? (
        <p className="hint">No saved profiles. Fill in the form and “Save as…” to keep it.</p>
      ) : (
        <ul className="profile-list" aria-label="Saved profiles">
          {list.map((p) => (
            <ProfileRow key={p.id} profile={p} active={p.id === activeId} disabled={busy || locked} />
          ))}
        </ul>
      )}
      {active && !saving ? (
        <div className="button-row">
          <span className="hint" data-profile-state={modified ? 'modified' : 'same'}>
            Using <strong>{active.name}</strong>
            {modified ? <span className="badge warn profile-modified">modified</span> : null}
          </span>
          <span className="spacer" />
          <button
            type="button"
            className={modified ? 'small primary' : 'small'}
            disabled={busy || locked}
            title={modified ? `Save the changed form into “${active.name}”` : `Save the form into “${active.name}” (a typed password too)`}
            onClick={() => setSaving('update')}
          >
            Update
          </button>
          <button type="button" className="small link" disabled={locked} onClick={clearActive}>
            Stop using
          </button>
        </div>
      ) : null}
      {saving ? (
        <SaveProfileForm mode={saving} profile={saving === 'update' ? active : undefined} onDone={() => setSaving(undefined)} />
      ) : null}
      {notice ? (
        <p className="inline-note" role="status">
          {notice}{' '}
          <button type="button" className="small link" onClick={dismiss}>
            OK
          </button>
        </p>
      ) : null}
      {error ? <ErrorNote error={error} what="Profiles" onDismiss={dismiss} /> : null}
    </section>
  );
}

function ProfileRow({ profile, active, disabled }: { profile: ProfileSummary; active: boolean; disabled: boolean }) {
  const apply = useAppStore((s) => s.applyProfile);
  const rename = useAppStore((s) => s.renameProfile);
  const duplicate = useAppStore((s) => s.duplicateProfile);
  const remove = useAppStore((s) => s.deleteProfile);
  const [renaming, setRenaming] = useState<string | undefined>(undefined);
  const target = describeForm(formFromSettings(profile.connection));

  if (renaming !== undefined) {
    return (
      <li className={active ? 'active' : undefined}>
        <form
          className="row grow"
          onSubmit={(e) => {
            e.preventDefault();
            void rename(profile.id, renaming).then((ok) => ok && setRenaming(undefined));
          }}
          onKeyDown={(e) => {
            if (e.key === 'Escape') setRenaming(undefined);
          }}
        >
          <input
            type="text"
            aria-label={`New name for ${profile.name}`}
            value={renaming}
            autoFocus
            onChange={(e) => setRenaming(e.target.value)}
          />
          <button type="submit" className="small" disabled={disabled || !renaming.trim()}>
            Rename
          </button>
          <button type="button" className="small" onClick={() => setRenaming(undefined)}>
            Cancel
          </button>
        </form>
      </li>
    );
  }

  return (
    <li className={active ? 'active' : undefined} data-profile={profile.name}>
      <span className="profile-name">
        <button
          type="button"
          className="link"
          disabled={disabled}
          aria-current={active ? 'true' : undefined}
          aria-label={`Load profile ${profile.name}`}
          title={profile.name}
          onClick={() => apply(profile.id)}
        >
          {profile.name}
        </button>
        <span className="profile-target" title={target}>
          {target}
          {profile.auth ? ` · ${profile.auth.user}` : ''}
          {profile.hasSecret ? ' · password stored' : ''}
          {profile.hasClientKey ? ' · key stored' : ''}
        </span>
      </span>
      <ActionsMenu
        label={`Actions for profile ${profile.name}`}
        actions={[
          { label: 'Load', ariaLabel: `Load profile ${profile.name} into the form`, disabled, onSelect: () => apply(profile.id) },
          { label: 'Rename…', ariaLabel: `Rename profile ${profile.name}`, disabled, onSelect: () => setRenaming(profile.name) },
          { label: 'Duplicate', ariaLabel: `Duplicate profile ${profile.name}`, disabled, onSelect: () => void duplicate(profile.id) },
          {
            label: 'Delete…',
            ariaLabel: `Delete profile ${profile.name}`,
            danger: true,
            disabled,
            confirm: `Delete “${profile.name}”${profile.hasSecret ? ' and its stored password' : ''}?`,
            onSelect: () => void remove(profile.id),
          },
        ]}
      />
    </li>
  );
}

function SaveProfileForm({ mode, profile, onDone }: { mode: 'new' | 'update'; profile: ProfileSummary | undefined; onDone: () => void }) {
  const save = useAppStore((s) => s.saveProfileFromForm);
  const busy = useAppStore((s) => s.profiles.busy);
  const storage = useAppStore((s) => s.ui.appInfo?.secretStorage);
  const hasPassword = useAppStore((s) => s.auth.secret !== '');
  const hasUser = useAppStore((s) => s.auth.user.trim() !== '');
  const [name, setName] = useState(profile?.name ?? '');
  const [remember, setRemember] = useState(profile?.hasSecret ?? false);
  const available = storage?.available === true;

  return (
    <form
      className="save-profile"
      aria-label={mode === 'new' ? 'Save as a new profile' : `Update profile ${profile?.name ?? ''}`}
      onSubmit={(e) => {
        e.preventDefault();
        void save(name, { rememberSecret: available && remember, ...(mode === 'update' && profile ? { id: profile.id } : {}) }).then(
          (ok) => ok && onDone(),
        );
      }}
      onKeyDown={(e) => {
        if (e.key === 'Escape') onDone();
      }}
    >
      <TextField name="profileName" label="Profile name" value={name} onChange={setName} placeholder="Office relay" autoFocus />
      {hasUser ? (
        available ? (
          <CheckField
            name="rememberSecret"
            label="Remember the password"
            checked={remember}
            onChange={setRemember}
            hint={
              remember
                ? hasPassword
                  ? 'Stored encrypted by the OS key store.'
                  : profile?.hasSecret
                    ? 'The stored password is kept.'
                    : 'Type the password above to store it.'
                : profile?.hasSecret
                  ? 'The stored password will be forgotten.'
                  : 'The password will be asked each time.'
            }
          />
        ) : (
          <p className="hint">Passwords are not stored here: {storage?.reason ?? 'no OS key store is available'}. It is asked each time.</p>
        )
      ) : null}
      <div className="button-row">
        <button type="submit" className="small primary" disabled={busy || !name.trim()}>
          {mode === 'new' ? 'Save profile' : 'Update profile'}
        </button>
        <button type="button" className="small" onClick={onDone}>
          Cancel
        </button>
      </div>
    </form>
  );
}
