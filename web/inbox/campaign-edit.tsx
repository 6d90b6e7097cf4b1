import { type FormEvent, useState } from 'react';
import type * as Api from '../../contracts/inbox-api';
import { api } from '../shared/api';

/** An instant as a datetime-local input shows it: the browser's local time, to the minute. */
function localInput(at: string | null): string {
  if (!at) return '';
  const date = new Date(at);
  return new Date(date.getTime() - date.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
}

/** When a campaign goes, in the browser's local time; empty for when it is started. */
export function SendAtInput({ value, onChange }: { value: string; onChange: (value: string) => void }) {
  return (
    <label>
      Send at (empty: when started)
      <input type="datetime-local" value={value} onChange={(e) => onChange(e.currentTarget.value)} />
    </label>
  );
}

/** "Messages per second per sender": a slower pace than the clinic's, or empty for the clinic's. */
export function SendRateInput({ value, onChange }: { value: string; onChange: (value: string) => void }) {
  return (
    <label>
      Messages per second (empty: the clinic's rate)
      <input
        type="number"
        inputMode="decimal"
        min={0.1}
        step={0.1}
        value={value}
        onChange={(e) => onChange(e.currentTarget.value)}
      />
    </label>
  );
}

/**
 * A draft's name, time and pace, changed before it starts (`PATCH /campaigns/:id`); only what was
 * changed is sent, so a schedule left as it was is not checked again. An emptied time or pace clears it.
 */
export function EditDraft({
  campaign,
  onSaved,
}: {
  campaign: Api.CampaignView;
  onSaved: (campaign: Api.CampaignView) => void;
}) {
  const initial = {
    name: campaign.name,
    scheduleAt: localInput(campaign.scheduleAt),
    sendRate: campaign.sendRate === null ? '' : String(campaign.sendRate),
  };
  const [name, setName] = useState(initial.name);
  const [scheduleAt, setScheduleAt] = useState(initial.scheduleAt);
  const [sendRate, setSendRate] = useState(initial.sendRate);
  const [state, setState] = useState<{ busy: boolean; saved?: boolean; error?: string }>({ busy: false });

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const changes = {
      ...(name !== initial.name ? { name } : {}),
      // The browser's local time, sent as an instant.
      ...(scheduleAt !== initial.scheduleAt
        ? { scheduleAt: scheduleAt ? new Date(scheduleAt).toISOString() : null }
        : {}),
      ...(sendRate !== initial.sendRate ? { sendRate: sendRate ? Number(sendRate) : null } : {}),
    };
    if (Object.keys(changes).length === 0) return setState({ busy: false, error: 'Nothing was changed' });
    setState({ busy: true });
    try {
      const saved = await api<Api.CampaignView>('PATCH', `/campaigns/${campaign.id}`, changes);
      setState({ busy: false, saved: true });
      onSaved(saved);
    } catch (err) {
      setState({ busy: false, error: err instanceof Error ? err.message : 'The draft was not saved' });
    }
  };

  return (
    <form onSubmit={submit} className="admin-form" aria-label="Edit draft">
      <h3>Edit draft</h3>
      <label>
        Campaign name
        <input value={name} onChange={(e) => setName(e.currentTarget.value)} required maxLength={200} />
      </label>
      <SendAtInput value={scheduleAt} onChange={setScheduleAt} />
      <SendRateInput value={sendRate} onChange={setSendRate} />
      <button type="submit" disabled={state.busy}>
        Save draft
      </button>
      <span role="status">{state.saved && 'Draft saved'}</span>
      {state.error && (
        <p role="alert" className="error">
          {state.error}
        </p>
      )}
    </form>
  );
}
