import { type FormEvent, useCallback, useEffect, useRef, useState } from 'react';
import type * as Api from '../../contracts/inbox-api';
import { ApiError, api, getSession } from '../shared/api';
import { useAudienceFilterEditor } from './audience-filters';
import { CampaignBreakdown, CampaignSeriesChart } from './campaign-chart';
import { EditDraft, SendAtInput, SendRateInput } from './campaign-edit';
import type { InboxLive } from './live';

/**
 * The Campaigns tab (admins and managers): import contacts from a CSV, create a campaign as a draft,
 * preview it, start, pause, resume or cancel it, and follow its figures. Everything goes through the
 * staff API; its figures arrive live over the `/inbox` socket (`campaign.progress`, sent to admins
 * and managers only), and are read again after a reconnect.
 */

/** How many of the newest campaigns the list shows figures for (one request each). */
const LISTED_WITH_STATS = 20;

const message = (err: unknown, fallback: string) => (err instanceof Error ? err.message : fallback);

/** "name 3, other 1", or "none". */
const counts = (record: Record<string, number>) =>
  Object.entries(record)
    .map(([key, n]) => `${key.replaceAll('_', ' ')} ${n}`)
    .join(', ') || 'none';

/** Uploads a CSV file as the body (the API takes text/csv), with the session's CSRF token. */
async function uploadCsv(file: File, dryRun: boolean, list: string): Promise<Api.ContactImportView> {
  const headers: Record<string, string> = { accept: 'application/json', 'content-type': 'text/csv' };
  const csrf = getSession()?.csrfToken;
  if (csrf) headers['x-csrf-token'] = csrf;
  const query = dryRun ? '?dryRun=true' : list ? `?list=${encodeURIComponent(list)}` : '';
  const res = await fetch(`/api/v1/contacts/imports${query}`, {
    method: 'POST',
    headers,
    body: file,
    credentials: 'same-origin',
  });
  const parsed = (await res.json().catch(() => null)) as
    | (Api.ContactImportView & { error?: { code: string; message: string } })
    | null;
  if (!res.ok) {
    throw new ApiError(
      res.status,
      parsed?.error?.code ?? `http_${res.status}`,
      parsed?.error?.message ?? `The hub answered ${res.status}`,
      parsed,
    );
  }
  return parsed!;
}

function ContactImport() {
  const [file, setFile] = useState<File | null>(null);
  const [dryRun, setDryRun] = useState(false);
  const [list, setList] = useState('');
  const [result, setResult] = useState<Api.ContactImportView | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (!file) return;
    setBusy(true);
    setError(null);
    setResult(null);
    try {
      let status = await uploadCsv(file, dryRun, list.trim());
      setResult(status);
      while (status.status === 'running') {
        await new Promise((resolve) => setTimeout(resolve, 500));
        status = await api<Api.ContactImportView>('GET', `/contacts/imports/${status.id}`);
        setResult(status);
      }
    } catch (err) {
      setError(message(err, 'The import failed'));
    } finally {
      setBusy(false);
    }
  };

  return (
    <section aria-label="Import contacts" className="admin-section">
      <h2>Import contacts</h2>
      <p className="muted">
        A CSV with any of name, phone, email, dateOfBirth, language, timeZone, externalId, tags (tags
        separated by ;). Other columns become attributes. Rows are matched by external id, phone or email.
      </p>
      <form onSubmit={submit} className="admin-form">
        <label>
          Contacts CSV
          <input
            type="file"
            accept=".csv,text/csv"
            onChange={(e) => setFile(e.currentTarget.files?.[0] ?? null)}
          />
        </label>
        <label className="inline-check">
          <input type="checkbox" checked={dryRun} onChange={(e) => setDryRun(e.currentTarget.checked)} />
          Dry run (change nothing)
        </label>
        <label>
          Keep the rows as a list named (optional)
          <input
            value={list}
            disabled={dryRun}
            onChange={(e) => setList(e.currentTarget.value)}
            maxLength={200}
          />
        </label>
        <button type="submit" disabled={!file || busy}>
          {busy ? 'Importing…' : 'Import'}
        </button>
      </form>
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
      <div role="status" aria-label="Import result">
        {result &&
          (result.status === 'running' ? (
            <p>Importing… {result.total ?? 0} rows read</p>
          ) : (
            <p>
              Import {result.status}
              {result.dryRun ? ' (dry run: nothing changed)' : ''}: {result.total ?? 0} rows, created{' '}
              {result.created ?? 0}, updated {result.updated ?? 0}, rejected {result.rejected ?? 0}.
              {(result.rejected ?? 0) > 0 && (
                <>
                  {' '}
                  <a href={result.errorsUrl} download>
                    Download the error report (CSV)
                  </a>
                </>
              )}
            </p>
          ))}
      </div>
    </section>
  );
}

/** Some variables are filled per recipient when the campaign leaves them empty (recipientVariables). */
function variableHint(name: string, required: boolean): string {
  if (name === 'clinicName') return " (the clinic's name when empty)";
  if (name === 'name') return " (each patient's name when empty)";
  return required ? ' (required, or a column of the imported file)' : '';
}

function CreateCampaign({
  templates,
  onCreated,
}: {
  templates: Api.TemplateView[];
  onCreated: (campaign: Api.CampaignView) => void;
}) {
  const [name, setName] = useState('');
  const [template, setTemplate] = useState('');
  const audience = useAudienceFilterEditor();
  const [channel, setChannel] = useState('');
  const [scheduleAt, setScheduleAt] = useState('');
  const [endAt, setEndAt] = useState('');
  const [morning, setMorning] = useState(false);
  const [sendRate, setSendRate] = useState('');
  const [variables, setVariables] = useState<Record<string, string>>({});
  const [error, setError] = useState<string | null>(null);
  const [saved, setSaved] = useState<Api.AudienceView[]>([]);
  const [audienceId, setAudienceId] = useState('');
  const [saveAs, setSaveAs] = useState('');
  const [count, setCount] = useState<number | null>(null);
  const [countError, setCountError] = useState<string | null>(null);
  const chosen = templates.find((t) => t.id === template);

  const loadSaved = useCallback(
    () =>
      api<Api.AudienceListResponse>('GET', '/audiences').then(
        (r) => setSaved(r.audiences),
        (err: unknown) => setError(message(err, 'Could not load the saved audiences')),
      ),
    [],
  );
  useEffect(() => void loadSaved(), [loadSaved]);

  const filterOf = (): Api.AudienceFilterView => audience.filter;
  // A live count of the filter as it is edited (a saved audience shows its own), a moment after typing.
  const filterKey = JSON.stringify(filterOf());
  useEffect(() => {
    if (audienceId) return;
    const timer = setTimeout(() => {
      api<{ count: number }>('POST', '/audiences/count', { filter: JSON.parse(filterKey) }).then(
        (r) => {
          setCount(r.count);
          setCountError(null);
        },
        // A filter the hub refuses (a time zone it does not know) says why instead of a stale count.
        (err: unknown) => {
          setCount(null);
          setCountError(message(err, 'The filters could not be counted'));
        },
      );
    }, 300);
    return () => clearTimeout(timer);
  }, [filterKey, audienceId]);

  const saveAudience = async () => {
    setError(null);
    try {
      const created = await api<Api.AudienceView>('POST', '/audiences', { name: saveAs, filter: filterOf() });
      setSaveAs('');
      await loadSaved();
      setAudienceId(created.id);
    } catch (err) {
      setError(message(err, 'The audience was not saved'));
    }
  };
  const pickedAudience = saved.find((a) => a.id === audienceId);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setError(null);
    const filled = Object.fromEntries(Object.entries(variables).filter(([, v]) => v.trim() !== ''));
    try {
      const created = await api<Api.CampaignView>('POST', '/campaigns', {
        name,
        template,
        audience: audienceId ? { audienceId } : { filter: filterOf() },
        ...(Object.keys(filled).length ? { variables: filled } : {}),
        ...(channel ? { channelPreference: channel } : {}),
        // The browser's local time, sent as an instant.
        ...(scheduleAt ? { scheduleAt: new Date(scheduleAt).toISOString() } : {}),
        ...(endAt ? { endAt: new Date(endAt).toISOString() } : {}),
        ...(morning ? { sendWindow: 'morning' } : {}),
        ...(sendRate ? { sendRate: Number(sendRate) } : {}),
      });
      setName('');
      setScheduleAt('');
      setEndAt('');
      setSendRate('');
      onCreated(created);
    } catch (err) {
      setError(message(err, 'The campaign was not created'));
    }
  };

  return (
    <section aria-label="New campaign" className="admin-section">
      <h2>New campaign</h2>
      <form onSubmit={submit} className="admin-form">
        <label>
          Campaign name
          <input value={name} onChange={(e) => setName(e.currentTarget.value)} required maxLength={200} />
        </label>
        <label>
          Template
          <select value={template} onChange={(e) => setTemplate(e.currentTarget.value)} required>
            <option value="">Choose a template</option>
            {templates.map((t) => (
              <option key={t.id} value={t.id}>
                {t.title} ({t.purpose})
              </option>
            ))}
          </select>
        </label>
        <label>
          Channel preference
          <select value={channel} onChange={(e) => setChannel(e.currentTarget.value)}>
            <option value="">Any the policy allows</option>
            <option value="sms">SMS</option>
            <option value="email">Email</option>
            <option value="voice">Voice</option>
          </select>
        </label>
        <SendAtInput value={scheduleAt} onChange={setScheduleAt} />
        <label>
          Stop sending at (empty: when all are sent)
          <input type="datetime-local" value={endAt} onChange={(e) => setEndAt(e.currentTarget.value)} />
        </label>
        <label className="inline-check">
          <input type="checkbox" checked={morning} onChange={(e) => setMorning(e.currentTarget.checked)} />
          In each patient's morning (9:00–12:00 in her own time zone)
        </label>
        <SendRateInput value={sendRate} onChange={setSendRate} />
        <h3>Audience</h3>
        <label>
          Saved audience
          <select value={audienceId} onChange={(e) => setAudienceId(e.currentTarget.value)}>
            <option value="">None: the filters below</option>
            {saved.map((a) => (
              <option key={a.id} value={a.id}>
                {a.name} ({a.kind === 'list' ? 'list' : 'filter'}, {a.count})
              </option>
            ))}
          </select>
        </label>
        <p role="status" aria-label="Audience count" className="muted">
          {pickedAudience
            ? `${pickedAudience.count} contacts in ${pickedAudience.name}`
            : (countError ?? (count !== null && `${count} contacts match these filters`))}
        </p>
        <fieldset disabled={Boolean(audienceId)} className="campaign-filters">
          {audience.fields}
          <label>
            Save these filters as
            <input value={saveAs} onChange={(e) => setSaveAs(e.currentTarget.value)} maxLength={200} />
          </label>
          <button type="button" disabled={!saveAs.trim()} onClick={() => void saveAudience()}>
            Save audience
          </button>
        </fieldset>
        {chosen && chosen.variables.length > 0 && <h3>Template variables</h3>}
        {chosen?.variables.map((v) => (
          <label key={v.name}>
            {v.name}
            {variableHint(v.name, v.required)}
            <input
              value={variables[v.name] ?? ''}
              onChange={(e) => {
                const value = e.currentTarget.value;
                setVariables((current) => ({ ...current, [v.name]: value }));
              }}
            />
          </label>
        ))}
        <button type="submit">Create draft</button>
      </form>
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
    </section>
  );
}

function Preview({ preview }: { preview: Api.CampaignPreviewResponse }) {
  return (
    <section aria-label="Preview" className="campaign-preview">
      <h3>Preview</h3>
      <p>
        {preview.recipients} recipients. By channel: {counts(preview.byChannel)}. Behind a secure link:{' '}
        {preview.securedVia}. Waiting for the end of quiet hours: {preview.deferred}.
      </p>
      <p>Skipped: {counts(preview.skipped)}</p>
      {preview.samples.map((s) => (
        <figure key={`${s.channel}:${s.locale}`} className="campaign-sample">
          <figcaption>
            Sample, {s.channel}, {s.locale}
          </figcaption>
          {s.subject && <p className="muted">{s.subject}</p>}
          <p>{s.text}</p>
        </figure>
      ))}
    </section>
  );
}

/** A test of the campaign to the staff member's own phone or email, through the same policy. */
function TestSend({ id }: { id: string }) {
  const [to, setTo] = useState('');
  const [state, setState] = useState<{ busy: boolean; result?: string; error?: string }>({ busy: false });
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setState({ busy: true });
    const answer = await api<Api.CampaignTestSendResponse>('POST', `/campaigns/${id}/test-send`, { to }).then(
      (sent) => ({
        result: sent.scheduledFor
          ? `Test queued by ${sent.channel}, to go at ${new Date(sent.scheduledFor).toLocaleString()} (quiet hours)`
          : `Test sent by ${sent.channel}`,
      }),
      (err: unknown) => ({ error: message(err, 'The test was not sent') }),
    );
    setState({ busy: false, ...answer });
  };
  return (
    <form onSubmit={submit} className="campaign-test-send" aria-label="Test send">
      <label>
        Send a test to (your phone or email)
        <input value={to} onChange={(e) => setTo(e.currentTarget.value)} required maxLength={320} />
      </label>
      <button type="submit" disabled={state.busy || !to.trim()}>
        Send test
      </button>
      <span role="status">{state.result}</span>
      {state.error && (
        <span role="alert" className="error">
          {state.error}
        </span>
      )}
    </form>
  );
}

const ACTIONS: Record<Api.CampaignStatus, ('start' | 'pause' | 'resume' | 'cancel')[]> = {
  draft: ['start'],
  scheduled: ['cancel'],
  running: ['pause', 'cancel'],
  paused: ['resume', 'cancel'],
  completed: [],
  cancelled: [],
};

const skippedTotal = (stats: Api.CampaignStatsView) =>
  Object.values(stats.skipped).reduce((a, b) => a + b, 0);

function CampaignDetail({ id, onChanged, live }: { id: string; onChanged: () => void; live: InboxLive }) {
  const [detail, setDetail] = useState<Api.CampaignDetailResponse | null>(null);
  const [preview, setPreview] = useState<Api.CampaignPreviewResponse | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const load = useCallback(async () => {
    try {
      setDetail(await api<Api.CampaignDetailResponse>('GET', `/campaigns/${id}`));
    } catch (err) {
      setError(message(err, 'Could not load the campaign'));
    }
  }, [id]);

  useEffect(() => {
    setPreview(null);
    setError(null);
    void load();
  }, [load]);

  // The list shows each campaign's state: refresh it when this one's changes (e.g. it completed).
  const status = detail?.status;
  useEffect(() => {
    if (status) onChanged();
  }, [status, onChanged]);
  // A campaign picked or just created: its panel may be below the fold on a phone.
  const heading = useRef<HTMLHeadingElement>(null);
  const shown = detail?.id;
  useEffect(() => {
    if (shown) heading.current?.focus();
  }, [shown]);
  // Figures change while it sends: the hub pushes them; a reconnect may have missed some.
  useEffect(() => {
    const offProgress = live.onCampaign((campaign) => {
      if (campaign.id === id) setDetail(campaign);
    });
    const offEvents = live.on((event) => {
      if (event.type === 'reconnected') void load();
    });
    return () => {
      offProgress();
      offEvents();
    };
  }, [live, id, load]);

  const act = async (action: 'preview' | 'start' | 'pause' | 'resume' | 'cancel') => {
    setBusy(true);
    setError(null);
    try {
      if (action === 'preview') {
        setPreview(await api<Api.CampaignPreviewResponse>('POST', `/campaigns/${id}/preview`, {}));
      } else {
        await api<Api.CampaignView>('POST', `/campaigns/${id}/${action}`, {});
        await load();
        onChanged();
      }
    } catch (err) {
      setError(message(err, `Could not ${action} the campaign`));
    } finally {
      setBusy(false);
    }
  };

  if (!detail) return error ? <p role="alert">{error}</p> : <p className="muted">Loading…</p>;
  const { stats } = detail;
  const decided = stats.sent + stats.failed + skippedTotal(stats);
  return (
    <section aria-label={`Campaign ${detail.name}`} className="admin-section">
      <h2 ref={heading} tabIndex={-1}>
        {detail.name}
      </h2>
      <p>
        Template {detail.template}. Status: <strong>{detail.status}</strong>
        {detail.scheduleAt && <>. Scheduled for {new Date(detail.scheduleAt).toLocaleString()}</>}
        {detail.endAt && <>. Stops sending at {new Date(detail.endAt).toLocaleString()}</>}
        {detail.sendWindow === 'morning' && <>. In each patient's morning (9:00–12:00 her time)</>}
        {detail.sendRate !== null && <>. At most {detail.sendRate} messages a second per sender</>}
      </p>
      <div className="campaign-actions">
        {detail.status === 'draft' && (
          <button type="button" disabled={busy} onClick={() => void act('preview')}>
            Preview
          </button>
        )}
        {ACTIONS[detail.status].map((action) => (
          <button key={action} type="button" disabled={busy} onClick={() => void act(action)}>
            {action[0]!.toUpperCase() + action.slice(1)}
          </button>
        ))}
        {detail.status !== 'draft' && (
          <a href={`/api/v1/campaigns/${detail.id}/recipients.csv`} download>
            Recipients CSV
          </a>
        )}
      </div>
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
      {detail.status === 'draft' && (
        <EditDraft
          key={detail.id}
          campaign={detail}
          onSaved={() => {
            void load();
            onChanged();
          }}
        />
      )}
      {(detail.status === 'draft' || detail.status === 'scheduled') && <TestSend id={detail.id} />}
      {preview && <Preview preview={preview} />}
      {detail.status !== 'draft' && (
        <section aria-label="Results">
          <label className="campaign-progress">
            Decided {decided} of {stats.recipients}
            <progress max={Math.max(1, stats.recipients)} value={decided} />
          </label>
          <dl className="campaign-stats">
            <dt>Recipients</dt>
            <dd>{stats.recipients}</dd>
            <dt>Sent</dt>
            <dd>{stats.sent}</dd>
            <dt>Delivered</dt>
            <dd>{stats.delivered}</dd>
            <dt>Failed</dt>
            <dd>
              {stats.failed}
              {stats.failed > 0 && ` (${counts(stats.failedByCode)})`}
            </dd>
            <dt>Waiting for quiet hours</dt>
            <dd>{stats.deferred}</dd>
            <dt>Replied</dt>
            <dd>{stats.replied}</dd>
            <dt>Opted out</dt>
            <dd>{stats.optedOut}</dd>
            <dt>Opened the secure link</dt>
            <dd>{stats.linkOpened}</dd>
            <dt>Confirmed</dt>
            <dd>{stats.confirmed}</dd>
            <dt>Booked</dt>
            <dd title="An appointment made after the message, within the attribution window">
              {stats.booked}
            </dd>
            <dt>Skipped</dt>
            <dd>{counts(stats.skipped)}</dd>
          </dl>
          <h3>Sends and deliveries over time</h3>
          <CampaignSeriesChart series={stats.series} />
          <CampaignBreakdown label="Channel" figures={stats.byChannel} />
          <CampaignBreakdown label="Language" figures={stats.byLocale} />
        </section>
      )}
    </section>
  );
}

export function CampaignsView({ live }: { live: InboxLive }) {
  const [campaigns, setCampaigns] = useState<Api.CampaignView[]>([]);
  const [templates, setTemplates] = useState<Api.TemplateView[]>([]);
  const [selected, setSelected] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);

  const [stats, setStats] = useState<Record<string, Api.CampaignStatsView>>({});

  const loadCampaigns = useCallback(async () => {
    try {
      const { campaigns: rows } = await api<Api.CampaignListResponse>('GET', '/campaigns');
      setCampaigns(rows);
      // The list answer has no figures: the newest campaigns' come from their own answers.
      const details = await Promise.all(
        rows
          .slice(0, LISTED_WITH_STATS)
          .filter((c) => c.status !== 'draft')
          .map((c) => api<Api.CampaignDetailResponse>('GET', `/campaigns/${c.id}`).catch(() => null)),
      );
      setStats(Object.fromEntries(details.flatMap((d) => (d ? [[d.id, d.stats]] : []))));
    } catch (err) {
      setError(message(err, 'Could not load the campaigns'));
    }
  }, []);

  const refreshList = useCallback(() => void loadCampaigns(), [loadCampaigns]);

  // The list's figures and states follow the pushed progress too.
  useEffect(
    () =>
      live.onCampaign((campaign) => {
        setStats((current) => ({ ...current, [campaign.id]: campaign.stats }));
        setCampaigns((current) =>
          current.map((c) => (c.id === campaign.id ? { ...c, status: campaign.status } : c)),
        );
      }),
    [live],
  );

  useEffect(() => {
    void loadCampaigns();
    api<Api.TemplateListResponse>('GET', '/templates').then(
      (r) => setTemplates(r.templates),
      (err: unknown) => setError(message(err, 'Could not load the templates')),
    );
  }, [loadCampaigns]);

  return (
    <main className="admin campaigns" aria-label="Campaigns">
      <ContactImport />
      <CreateCampaign
        templates={templates}
        onCreated={(created) => {
          setSelected(created.id);
          void loadCampaigns();
        }}
      />
      <section aria-label="Campaigns list" className="admin-section">
        <h2>Campaigns</h2>
        {error && (
          <p role="alert" className="error">
            {error}
          </p>
        )}
        {campaigns.length === 0 ? (
          <p className="muted">No campaigns yet.</p>
        ) : (
          <ul className="campaign-list">
            {campaigns.map((c) => (
              <li key={c.id}>
                <button type="button" aria-pressed={selected === c.id} onClick={() => setSelected(c.id)}>
                  {c.name}
                </button>{' '}
                <span className="muted">
                  {c.status}, {c.template}, created {new Date(c.createdAt).toLocaleDateString()}
                  {stats[c.id] &&
                    `; sent ${stats[c.id]!.sent} of ${stats[c.id]!.recipients}, delivered ${stats[c.id]!.delivered}, skipped ${skippedTotal(stats[c.id]!)}`}
                </span>
              </li>
            ))}
          </ul>
        )}
      </section>
      {selected && <CampaignDetail id={selected} onChanged={refreshList} live={live} />}
    </main>
  );
}
