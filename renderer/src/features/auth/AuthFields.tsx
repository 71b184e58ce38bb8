import { useMemo, useState } from 'react';
import { issuesByField, MECHANISMS, validateAuth, type Mechanism } from '../../store/connection-form.js';
import { usesToken } from '../../../../shared/mechanisms.js';
import { useAppStore } from '../../store/index.js';
import { CheckField, fieldBinder, SelectField, TextField } from '../connection/fields.js';

/** The sidebar's Authentication section: user, mechanism, password or token (or the one a profile keeps). */
export function AuthFields({ disabled }: { disabled: boolean }) {
  const auth = useAppStore((s) => s.auth);
  const attempted = useAppStore((s) => s.formAttempted);
  const setAuth = useAppStore((s) => s.setAuthField);
  const activeId = useAppStore((s) => s.profiles.activeId);
  const storedSecret = useAppStore((s) => s.profiles.list.find((p) => p.id === s.profiles.activeId)?.hasSecret === true);
  const activeName = useAppStore((s) => s.profiles.list.find((p) => p.id === s.profiles.activeId)?.name);
  const [show, setShow] = useState(false);
  const issues = useMemo(() => issuesByField(validateAuth(auth, { required: attempted, storedSecret })), [auth, attempted, storedSecret]);
  const usingStored = storedSecret && auth.useStored && !auth.secret;
  const token = usesToken(auth.mechanism);
  const bind = fieldBinder(auth, issues, setAuth);

  return (
    <fieldset className="auth sidebar-section" disabled={disabled}>
      <legend className="section-title">Authentication</legend>
      <div className="row">
        <TextField {...bind('user')} label="User" className="field grow" placeholder="none: no AUTH" />
        <SelectField<Mechanism>
          name="mechanism"
          label="Mechanism"
          className="field grow"
          value={auth.mechanism}
          options={MECHANISMS}
          onChange={(v) => setAuth('mechanism', v)}
        />
      </div>
      <TextField
        {...bind('secret')}
        label={token ? 'Access token' : 'Password'}
        type={show ? 'text' : 'password'}
        autoComplete="off"
        placeholder={usingStored ? 'stored with the profile' : ''}
        trailing={
          <button
            type="button"
            className="small"
            aria-pressed={show}
            aria-label={show ? `Hide the ${token ? 'token' : 'password'}` : `Show the ${token ? 'token' : 'password'}`}
            onClick={() => setShow(!show)}
          >
            {show ? 'Hide' : 'Show'}
          </button>
        }
      />
      {storedSecret && activeId ? (
        <CheckField
          name="useStored"
          label="Use the stored password"
          checked={auth.useStored}
          onChange={(v) => setAuth('useStored', v)}
          hint={`Stored with “${activeName ?? 'the profile'}” in the OS key store; it never reaches this window. A password typed above is used instead.`}
        />
      ) : null}
      <details className="options">
        <summary>More</summary>
        <div className="options-body">
          <TextField {...bind('authzid')} label="Authorize as (authzid)" placeholder="the user" />
        </div>
      </details>
    </fieldset>
  );
}
