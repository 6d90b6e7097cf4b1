import { type FormEvent, type ReactNode, useCallback, useEffect, useMemo, useState } from 'react';
import type * as Api from '../../contracts/inbox-api';
import { api } from '../shared/api';
import { type Acknowledgement, AcknowledgementSettingsSection } from './acknowledgement-settings';
import { type ChatAppearance, ChatAppearanceSettingsSection } from './chat-appearance-settings';
import { type Csat, CsatSettingsSection } from './csat-settings';

/** The admin screen: clinic settings, staff accounts and queues, over the same staff API. */

interface Settings {
  name: string;
  timeZone: string;
  helpText: string | null;
  helpTextMax: number;
  helpReply: string;
}

type StaffMember = Pick<Api.StaffView, 'id' | 'email' | 'name' | 'role' | 'queues' | 'disabled'>;

type Queue = Pick<Api.QueueSummary, 'id' | 'name' | 'sortOrder' | 'slaMinutes'>;

/**
 * The roles offered, least to most: StaffRole (contracts/inbox-api.ts) is the list, and `satisfies`
 * fails to compile when a role is added there and not here.
 */
const ROLE_ORDER = { agent: 0, supervisor: 1, manager: 2, admin: 3 } satisfies Record<Api.StaffRole, number>;
const ROLES = Object.keys(ROLE_ORDER) as Api.StaffRole[];

const message = (err: unknown, fallback: string) => (err instanceof Error ? err.message : fallback);

function timeZones(): string[] {
  const intl = Intl as { supportedValuesOf?: (key: string) => string[] };
  return intl.supportedValuesOf?.('timeZone') ?? [];
}

/** A titled part of the admin screen, with the error of its last action when it failed. */
function AdminSection({
  title,
  error,
  children,
}: {
  title: string;
  error: string | null;
  children: ReactNode;
}) {
  return (
    <section aria-label={title} className="admin-section">
      <h2>{title}</h2>
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
      {children}
    </section>
  );
}

/** `GET /settings`, read once for the whole admin screen; each section keeps its own part. */
type ClinicSettings = Settings & {
  acknowledgement: Acknowledgement;
  chatAppearance: ChatAppearance;
  csat: Csat;
};

function SettingsSection({ loaded, loadError }: { loaded: Settings | null; loadError: string | null }) {
  const [settings, setSettings] = useState<Settings | null>(null);
  const [timeZone, setTimeZone] = useState('');
  const [helpText, setHelpText] = useState('');
  const [status, setStatus] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const zones = useMemo(timeZones, []);

  const show = useCallback((s: Settings) => {
    setSettings(s);
    setTimeZone(s.timeZone);
    setHelpText(s.helpText ?? '');
  }, []);

  useEffect(() => {
    if (loaded) show(loaded);
  }, [loaded, show]);
  useEffect(() => setError(loadError), [loadError]);

  const save = async (event: FormEvent) => {
    event.preventDefault();
    if (!settings) return;
    const body = {
      ...(timeZone.trim() !== settings.timeZone ? { timeZone: timeZone.trim() } : {}),
      ...(helpText.trim() !== (settings.helpText ?? '') ? { helpText: helpText.trim() } : {}),
    };
    if (Object.keys(body).length === 0) {
      setStatus('Nothing changed');
      return;
    }
    try {
      const answer = await api<{ settings: Settings }>('PATCH', '/settings', body);
      show(answer.settings);
      setError(null);
      setStatus('Settings saved');
    } catch (err) {
      setStatus(null);
      setError(message(err, 'could not save the settings'));
    }
  };

  if (!settings) {
    return (
      <AdminSection title="Clinic settings" error={error}>
        {!error && <p className="muted">Loading…</p>}
      </AdminSection>
    );
  }
  return (
    <AdminSection title="Clinic settings" error={error}>
      <p className="muted">{settings.name}</p>
      <form onSubmit={save} className="admin-form">
        <label>
          Time zone
          <input
            list="admin-time-zones"
            value={timeZone}
            onChange={(e) => setTimeZone(e.target.value)}
            placeholder="America/New_York"
          />
        </label>
        <datalist id="admin-time-zones">
          {zones.map((z) => (
            <option key={z} value={z} />
          ))}
        </datalist>
        <label>
          HELP reply
          <textarea
            value={helpText}
            maxLength={settings.helpTextMax}
            rows={3}
            placeholder={settings.helpReply}
            onChange={(e) => setHelpText(e.target.value)}
          />
        </label>
        <span className="muted">
          {helpText.length}/{settings.helpTextMax} · empty uses the built-in reply
        </span>
        <button type="submit">Save settings</button>
      </form>
      <p className="muted">
        Patients texting HELP now get: <q>{settings.helpReply}</q>
      </p>
      {status && <output className="ok">{status}</output>}
    </AdminSection>
  );
}

function QueueChoices({
  queues,
  chosen,
  onChange,
  label,
}: {
  queues: Queue[];
  chosen: string[];
  onChange: (queues: string[]) => void;
  label: string;
}) {
  return (
    <fieldset className="queue-choices" aria-label={label}>
      {queues.map((q) => (
        <label key={q.id}>
          <input
            type="checkbox"
            checked={chosen.includes(q.id)}
            onChange={(e) =>
              onChange(e.target.checked ? [...chosen, q.id] : chosen.filter((id) => id !== q.id))
            }
          />
          {q.name}
        </label>
      ))}
    </fieldset>
  );
}

function StaffSection({ queues, meId }: { queues: Queue[]; meId: string }) {
  const [staff, setStaff] = useState<StaffMember[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [draft, setDraft] = useState({
    email: '',
    name: '',
    role: 'agent',
    password: '',
    queues: [] as string[],
  });

  const load = useCallback(async () => {
    try {
      setStaff((await api<Api.StaffListResponse>('GET', '/staff')).staff);
    } catch (err) {
      setError(message(err, 'could not load the staff'));
    }
  }, []);
  useEffect(() => {
    void load();
  }, [load]);

  const change = async (id: string, body: Partial<Omit<StaffMember, 'id' | 'email'>>) => {
    try {
      await api('PATCH', `/staff/${id}`, body);
      setError(null);
    } catch (err) {
      setError(message(err, 'could not change the account'));
    }
    void load();
  };

  const create = async (event: FormEvent) => {
    event.preventDefault();
    try {
      await api('POST', '/staff', draft);
      setDraft({ email: '', name: '', role: 'agent', password: '', queues: [] });
      setError(null);
    } catch (err) {
      setError(message(err, 'could not create the account'));
    }
    void load();
  };

  return (
    <AdminSection title="Staff" error={error}>
      <table className="admin-table">
        <thead>
          <tr>
            <th>Name</th>
            <th>Email</th>
            <th>Role</th>
            <th>Queues</th>
            <th>Account</th>
          </tr>
        </thead>
        <tbody>
          {staff.map((s) => (
            <tr key={s.id} data-staff-email={s.email} className={s.disabled ? 'disabled' : undefined}>
              <td>{s.name}</td>
              <td>{s.email}</td>
              <td>
                <select
                  aria-label={`Role of ${s.name}`}
                  value={s.role}
                  onChange={(e) => void change(s.id, { role: e.target.value as StaffMember['role'] })}
                >
                  {ROLES.map((r) => (
                    <option key={r} value={r}>
                      {r}
                    </option>
                  ))}
                </select>
              </td>
              <td>
                {s.role === 'agent' ? (
                  <QueueChoices
                    label={`Queues of ${s.name}`}
                    queues={queues}
                    chosen={s.queues}
                    onChange={(next) => void change(s.id, { queues: next })}
                  />
                ) : (
                  <span className="muted">all queues</span>
                )}
              </td>
              <td>
                {s.id === meId ? (
                  <span className="muted">you</span>
                ) : (
                  <button type="button" onClick={() => void change(s.id, { disabled: !s.disabled })}>
                    {s.disabled ? `Enable ${s.name}` : `Disable ${s.name}`}
                  </button>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <form onSubmit={create} className="admin-form" aria-label="New staff member">
        <h3>New staff member</h3>
        <NameField value={draft.name} onChange={(name) => setDraft({ ...draft, name })} />
        <label>
          Email
          <input
            type="email"
            value={draft.email}
            onChange={(e) => setDraft({ ...draft, email: e.target.value })}
            required
          />
        </label>
        <label>
          Role
          <select value={draft.role} onChange={(e) => setDraft({ ...draft, role: e.target.value })}>
            {ROLES.map((r) => (
              <option key={r} value={r}>
                {r}
              </option>
            ))}
          </select>
        </label>
        <label>
          Initial password
          <input
            type="password"
            autoComplete="new-password"
            minLength={10}
            value={draft.password}
            onChange={(e) => setDraft({ ...draft, password: e.target.value })}
            required
          />
        </label>
        <QueueChoices
          label="Queues of the new staff member"
          queues={queues}
          chosen={draft.queues}
          onChange={(next) => setDraft({ ...draft, queues: next })}
        />
        <button type="submit">Create staff member</button>
      </form>
    </AdminSection>
  );
}

function QueueSection({ queues, onChanged }: { queues: Queue[]; onChanged: () => void }) {
  const [error, setError] = useState<string | null>(null);
  const [draft, setDraft] = useState({ id: '', name: '', slaMinutes: '1440' });

  const update = async (id: string, body: Partial<Omit<Queue, 'id'>>) => {
    try {
      await api('PATCH', `/queues/${id}`, body);
      setError(null);
    } catch (err) {
      setError(message(err, 'could not change the queue'));
    }
    onChanged();
  };

  const create = async (event: FormEvent) => {
    event.preventDefault();
    try {
      await api('POST', '/queues', { id: draft.id, name: draft.name, slaMinutes: Number(draft.slaMinutes) });
      setDraft({ id: '', name: '', slaMinutes: '1440' });
      setError(null);
    } catch (err) {
      setError(message(err, 'could not create the queue'));
    }
    onChanged();
  };

  return (
    <AdminSection title="Queues" error={error}>
      <table className="admin-table">
        <thead>
          <tr>
            <th>Id</th>
            <th>Name</th>
            <th>Answer within (minutes)</th>
          </tr>
        </thead>
        <tbody>
          {queues.map((q) => (
            // Keyed by its values: a saved change re-mounts the inputs with what the hub stored.
            <tr key={`${q.id}:${q.name}:${q.slaMinutes}`}>
              <td>{q.id}</td>
              <td>
                <input
                  aria-label={`Name of ${q.id}`}
                  defaultValue={q.name}
                  onBlur={(e) =>
                    e.target.value.trim() !== q.name && void update(q.id, { name: e.target.value.trim() })
                  }
                />
              </td>
              <td>
                <input
                  aria-label={`SLA minutes of ${q.id}`}
                  type="number"
                  min={1}
                  defaultValue={q.slaMinutes}
                  onBlur={(e) =>
                    Number(e.target.value) !== q.slaMinutes &&
                    void update(q.id, { slaMinutes: Number(e.target.value) })
                  }
                />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <form onSubmit={create} className="admin-form" aria-label="New queue">
        <h3>New queue</h3>
        <label>
          Id
          <input
            value={draft.id}
            placeholder="lab-results"
            onChange={(e) => setDraft({ ...draft, id: e.target.value })}
            required
          />
        </label>
        <NameField value={draft.name} onChange={(name) => setDraft({ ...draft, name })} />
        <label>
          Answer within (minutes)
          <input
            type="number"
            min={1}
            value={draft.slaMinutes}
            onChange={(e) => setDraft({ ...draft, slaMinutes: e.target.value })}
          />
        </label>
        <button type="submit">Create queue</button>
      </form>
    </AdminSection>
  );
}

export function AdminView({ meId, onQueuesChanged }: { meId: string; onQueuesChanged: () => void }) {
  const [queues, setQueues] = useState<Queue[]>([]);
  const loadQueues = useCallback(async () => {
    try {
      setQueues((await api<Api.QueueListResponse>('GET', '/queues')).queues);
    } catch {
      setQueues([]);
    }
  }, []);
  useEffect(() => {
    void loadQueues();
  }, [loadQueues]);
  const [settings, setSettings] = useState<ClinicSettings | null>(null);
  const [settingsError, setSettingsError] = useState<string | null>(null);
  useEffect(() => {
    api<{ settings: ClinicSettings }>('GET', '/settings').then(
      (answer) => setSettings(answer.settings),
      (err) => setSettingsError(message(err, 'could not load the settings')),
    );
  }, []);
  return (
    <main className="admin" aria-label="Administration">
      <SettingsSection loaded={settings} loadError={settingsError} />
      <AcknowledgementSettingsSection loaded={settings?.acknowledgement ?? null} />
      <ChatAppearanceSettingsSection loaded={settings?.chatAppearance ?? null} />
      <CsatSettingsSection loaded={settings?.csat ?? null} />
      <StaffSection queues={queues} meId={meId} />
      <QueueSection
        queues={queues}
        onChanged={() => {
          void loadQueues();
          onQueuesChanged();
        }}
      />
    </main>
  );
}

/** The required Name field of the admin forms (a staff member, a queue). */
function NameField({ value, onChange }: { value: string; onChange: (name: string) => void }) {
  return (
    <label>
      Name
      <input value={value} onChange={(e) => onChange(e.target.value)} required />
    </label>
  );
}
