import { useId, useState } from 'react';
import { describeTlsCapabilityDiff, diffCapabilities, type CapabilityChange } from '../../../../shared/explain/capability-diff.js';
import { explainExtension, formatCapabilityParams, type AuthMechanismInfo } from '../../../../shared/explain/extensions.js';
import type { Capability, SessionRecord } from '../../../../shared/session-record.js';
import { useAppStore } from '../../store/index.js';
import { RefLink } from '../explain/RefLink.js';
import { capabilityNotes } from './capability-notes.js';
import '../explain/explain.css';
import './capabilities.css';

/** What the server advertised in its EHLO/LHLO reply for the current record (nothing before a greeting exchange). */
export function CapabilityPanel() {
  const record = useAppStore((s) => s.session.record);
  if (!record) return null;
  return <CapabilityView record={record} />;
}

/**
 * The EHLO table of a record: extension, parameters in words, what it means and where it is defined; the list
 * before STARTTLS next to the one after it when they differ; the HELO fallback explained.
 */
export function CapabilityView({ record }: { record: SessionRecord }) {
  const id = useId();
  // No greeting exchange (the connection failed first): nothing was advertised, so there is nothing to show.
  if (!record.helloVerb && record.capabilities.length === 0) return null;
  const notes = capabilityNotes(record);
  const before = record.capabilitiesBeforeTls;
  const diff = before ? diffCapabilities(before, record.capabilities) : undefined;
  const changes = new Map(diff?.rows.map((r) => [r.name, r.change]) ?? []);

  return (
    <section className="panel cap-panel" aria-labelledby={`${id}-heading`}>
      <h2 id={`${id}-heading`}>
        Capabilities
        {record.helloVerb ? (
          <span className="subtle">
            {' '}
            ({record.helloVerb}
            {before ? ', after STARTTLS' : ''})
          </span>
        ) : null}
      </h2>
      {notes.map((n) => (
        <p key={n.text} className={`notice ${n.tone === 'warn' ? 'warn' : ''}`}>
          {n.text}
        </p>
      ))}
      {record.capabilities.length === 0 ? (
        <p className="hint">The server advertised no extensions.</p>
      ) : (
        <CapabilityTable capabilities={record.capabilities} label="Capabilities" changes={diff?.differs ? changes : undefined} />
      )}
      {before && diff ? <TlsComparison before={before} after={record.capabilities} /> : null}
    </section>
  );
}

const CHANGE_BADGE: Record<Exclude<CapabilityChange, 'same'>, { text: string; tone: string }> = {
  added: { text: 'only after TLS', tone: 'ok' },
  removed: { text: 'only before TLS', tone: 'warn' },
  changed: { text: 'changed by TLS', tone: 'info' },
};

function CapabilityTable({
  capabilities,
  label,
  changes,
}: {
  capabilities: Capability[];
  label: string;
  changes: Map<string, CapabilityChange> | undefined;
}) {
  return (
    <div className="cap-scroll">
      <table className="data cap-table" aria-label={label}>
        <thead>
          <tr>
            <th scope="col">Extension</th>
            <th scope="col">Parameters</th>
            <th scope="col">What it means</th>
            <th scope="col">Defined in</th>
          </tr>
        </thead>
        <tbody>
          {capabilities.map((c, i) => {
            const info = explainExtension(c.name);
            const change = changes?.get(c.name.toUpperCase());
            const badge = change && change !== 'same' ? CHANGE_BADGE[change] : undefined;
            return (
              <tr
                key={`${c.name}-${i}`}
                data-capability={c.name}
                data-known={info.known ? 'yes' : 'no'}
                data-change={change}
                className={change && change !== 'same' ? `cap-row-${change}` : undefined}
              >
                <th scope="row">{c.name}</th>
                <td className="cap-params">
                  <Params capability={c} />
                </td>
                <td className="cap-meaning">
                  {info.known ? null : <span className="badge warn">unknown</span>}
                  {info.status === 'vendor' ? <span className="badge">non-standard</span> : null}
                  {info.status === 'draft' ? <span className="badge">draft</span> : null}
                  {info.status === 'obsolete' ? <span className="badge warn">obsolete</span> : null}
                  {info.status === 'experimental' ? <span className="badge">experimental</span> : null}
                  {badge ? <span className={`badge ${badge.tone}`}>{badge.text}</span> : null} {info.summary}
                </td>
                <td className="cap-ref">
                  <RefLink reference={info.ref} />
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

function Params({ capability }: { capability: Capability }) {
  const formatted = formatCapabilityParams(capability);
  switch (formatted.kind) {
    case 'none':
      return <span className="subtle">—</span>;
    case 'size':
      return <span className={formatted.size?.bytes === null ? 'subtle' : undefined}>{formatted.size?.text}</span>;
    case 'auth':
      return <Mechanisms mechanisms={formatted.mechanisms ?? []} />;
    case 'list':
      return (
        <ul className="cap-items">
          {formatted.items?.map((item) => (
            <li key={item.value}>
              <code>{item.value}</code>
              {item.note ? <span className="subtle"> {item.note}</span> : null}
            </li>
          ))}
        </ul>
      );
    default:
      return <code>{formatted.text}</code>;
  }
}

/** AUTH mechanisms as chips, with their strength grouped underneath. */
function Mechanisms({ mechanisms }: { mechanisms: AuthMechanismInfo[] }) {
  if (mechanisms.length === 0) return <span className="subtle">no mechanisms listed</span>;
  const groups = new Map<string, string[]>();
  for (const m of mechanisms) groups.set(m.short, [...(groups.get(m.short) ?? []), m.name]);
  return (
    <div className="cap-mechs">
      <ul className="chips" aria-label="Mechanisms">
        {mechanisms.map((m) => (
          <li key={m.name} className={`chip strength-${m.strength}`} data-mechanism={m.name}>
            {m.name}
            <span className="visually-hidden">: {m.short}</span>
          </li>
        ))}
      </ul>
      <ul className="cap-mech-notes" aria-hidden="true">
        {[...groups].map(([short, names]) => (
          <li key={short}>
            <span className="mono">{names.join(', ')}</span>: {short}
          </li>
        ))}
      </ul>
    </div>
  );
}

function paramsText(c: Capability | undefined): string {
  if (!c) return '';
  const formatted = formatCapabilityParams(c);
  return formatted.kind === 'none' ? 'offered' : formatted.kind === 'size' ? (formatted.size?.text ?? '') : formatted.text;
}

/** The lists before and after STARTTLS in adjacent columns, the rows that differ marked. */
function TlsComparison({ before, after }: { before: Capability[]; after: Capability[] }) {
  const id = useId();
  const [onlyDifferences, setOnlyDifferences] = useState(false);
  const diff = diffCapabilities(before, after);
  const notes = describeTlsCapabilityDiff(diff);
  const rows = onlyDifferences ? diff.rows.filter((r) => r.change !== 'same') : diff.rows;
  return (
    <section className="cap-compare" aria-labelledby={`${id}-heading`}>
      <div className="cap-compare-head">
        <h3 id={`${id}-heading`}>Before and after STARTTLS</h3>
        {diff.differs ? (
          <label className="cap-filter">
            <input type="checkbox" checked={onlyDifferences} onChange={(e) => setOnlyDifferences(e.target.checked)} /> Only differences
          </label>
        ) : null}
      </div>
      {diff.differs ? (
        <ul className="cap-compare-notes">
          {notes.map((n) => (
            <li key={n}>{n}</li>
          ))}
        </ul>
      ) : (
        <p className="hint">The server advertised the same extensions before and after STARTTLS.</p>
      )}
      {diff.differs ? (
        <div className="cap-scroll">
          <table className="data cap-table cap-compare-table" aria-label="Before and after STARTTLS">
            <thead>
              <tr>
                <th scope="col">Extension</th>
                <th scope="col">Before STARTTLS (plaintext)</th>
                <th scope="col">After STARTTLS (encrypted)</th>
                <th scope="col">Change</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((r) => (
                <tr
                  key={r.name}
                  data-capability={r.name}
                  data-change={r.change}
                  className={r.change !== 'same' ? `cap-row-${r.change}` : undefined}
                >
                  <th scope="row">{r.name}</th>
                  <td>{r.before ? paramsText(r.before) : <span className="subtle">not offered</span>}</td>
                  <td>{r.after ? paramsText(r.after) : <span className="subtle">not offered</span>}</td>
                  <td>
                    {r.change === 'same' ? (
                      <span className="subtle">same</span>
                    ) : (
                      <span className={`badge ${CHANGE_BADGE[r.change].tone}`}>{CHANGE_BADGE[r.change].text}</span>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
    </section>
  );
}
