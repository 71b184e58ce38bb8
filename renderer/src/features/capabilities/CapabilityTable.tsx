import type { Capability } from '../../../../shared/session-record.js';
import { useAppStore } from '../../store/index.js';

/** What the server advertised in its EHLO/LHLO reply (after STARTTLS, the new list). */
export function CapabilityTable() {
  const record = useAppStore((s) => s.session.record);
  // No greeting exchange (the connection failed first): nothing was advertised, so there is nothing to show.
  if (!record || (!record.helloVerb && record.capabilities.length === 0)) return null;
  return (
    <section className="panel" aria-labelledby="capabilities-heading">
      <h2 id="capabilities-heading">
        Capabilities{record.helloVerb ? <span className="subtle"> ({record.helloVerb})</span> : null}
      </h2>
      {record.capabilities.length === 0 ? (
        <p className="hint">The server advertised no extensions.</p>
      ) : (
        <CapabilityList capabilities={record.capabilities} label="Capabilities" />
      )}
    </section>
  );
}

function CapabilityList({ capabilities, label }: { capabilities: Capability[]; label: string }) {
  return (
    <table className="capabilities" aria-label={label}>
      <thead>
        <tr>
          <th scope="col">Extension</th>
          <th scope="col">Parameters</th>
        </tr>
      </thead>
      <tbody>
        {capabilities.map((c, i) => (
          <tr key={`${c.name}-${i}`} data-capability={c.name}>
            <th scope="row">{c.name}</th>
            <td>{c.params.length ? c.params.join(' ') : <span className="subtle">—</span>}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
