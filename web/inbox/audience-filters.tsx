import { type ReactNode, useState } from 'react';
import type * as Api from '../../contracts/inbox-api';
import { knownChannels } from './format';

/**
 * The audience filter's fields in the campaign form: each empty field narrows nothing, and the
 * filter is what the API takes (contracts/inbox-api.ts, AudienceFilterView). Dates are the clinic's
 * days: the API reads `2026-10-01` as that day in the clinic's time zone.
 */

const list = (value: string) =>
  value
    .split(/[,;]/)
    .map((s) => s.trim())
    .filter(Boolean);

/** "plan=gold; site=north" as {plan: 'gold', site: 'north'} (a pair without `=` is left out). */
function attributesOf(value: string): Record<string, string> {
  const pairs = value
    .split(';')
    .map((pair) => pair.split('='))
    .filter((parts) => parts.length >= 2 && parts[0]!.trim() !== '')
    .map(([key, ...rest]) => [key!.trim(), rest.join('=').trim()]);
  return Object.fromEntries(pairs);
}

const APPOINTMENT_STATUSES = [
  ['scheduled', 'Scheduled'],
  ['confirmed', 'Confirmed'],
  ['cancelled', 'Cancelled'],
  ['reschedule_requested', 'Asked to reschedule'],
] as const;
type AppointmentStatus = (typeof APPOINTMENT_STATUSES)[number][0];

const CONSENT_STATES = [
  ['opted_in', 'opted in'],
  ['opted_out', 'opted out'],
  ['none', 'never recorded'],
] as const;

const DateField = ({ label, value, set }: { label: string; value: string; set: (v: string) => void }) => (
  <label>
    {label}
    <input type="date" value={value} onChange={(e) => set(e.currentTarget.value)} />
  </label>
);

/** The filter as edited, and the fields that edit it. */
export function useAudienceFilterEditor(): { filter: Api.AudienceFilterView; fields: ReactNode } {
  const [tags, setTags] = useState('');
  const [languages, setLanguages] = useState('');
  const [ageMin, setAgeMin] = useState('');
  const [ageMax, setAgeMax] = useState('');
  const [timeZones, setTimeZones] = useState('');
  const [attributes, setAttributes] = useState('');
  const [appointments, setAppointments] = useState<'' | 'has' | 'none'>('');
  const [appointmentFrom, setAppointmentFrom] = useState('');
  const [appointmentTo, setAppointmentTo] = useState('');
  const [appointmentStatuses, setAppointmentStatuses] = useState<AppointmentStatus[]>([]);
  const [messageAfter, setMessageAfter] = useState('');
  const [messageBefore, setMessageBefore] = useState('');
  const [visitAfter, setVisitAfter] = useState('');
  const [visitBefore, setVisitBefore] = useState('');
  const [consentChannel, setConsentChannel] = useState('');
  const [consentPurpose, setConsentPurpose] = useState<'marketing' | 'care' | 'administrative'>('marketing');
  const [consentStatus, setConsentStatus] = useState<'opted_in' | 'opted_out' | 'none'>('opted_in');
  const [reachableBy, setReachableBy] = useState<string[]>([]);
  const delivering = knownChannels().filter((c) => c.delivers);

  const filter: Api.AudienceFilterView = {};
  if (list(tags).length) filter.tags = list(tags);
  if (list(languages).length) filter.language = list(languages);
  if (ageMin) filter.ageMin = Number(ageMin);
  if (ageMax) filter.ageMax = Number(ageMax);
  if (list(timeZones).length) filter.timeZone = list(timeZones);
  if (Object.keys(attributesOf(attributes)).length) filter.attributes = attributesOf(attributes);
  if (appointments) {
    filter.appointments = {
      ...(appointmentFrom ? { from: appointmentFrom } : {}),
      ...(appointmentTo ? { to: appointmentTo } : {}),
      ...(appointmentStatuses.length ? { status: appointmentStatuses } : {}),
      ...(appointments === 'none' ? { none: true } : {}),
    };
  }
  if (messageAfter) filter.lastMessageAfter = messageAfter;
  if (messageBefore) filter.lastMessageBefore = messageBefore;
  if (visitAfter) filter.lastVisitAfter = visitAfter;
  if (visitBefore) filter.lastVisitBefore = visitBefore;
  if (consentChannel)
    filter.consent = { channel: consentChannel, purpose: consentPurpose, status: consentStatus };
  if (reachableBy.length) filter.reachableBy = reachableBy;

  const toggle = <T,>(values: T[], value: T, on: boolean) =>
    on ? [...values, value] : values.filter((v) => v !== value);

  const fields = (
    <>
      <label>
        Tags (all of)
        <input value={tags} onChange={(e) => setTags(e.currentTarget.value)} placeholder="flu, senior" />
      </label>
      <label>
        Languages
        <input value={languages} onChange={(e) => setLanguages(e.currentTarget.value)} placeholder="en, es" />
      </label>
      <label>
        Age from
        <input
          type="number"
          min={0}
          max={130}
          value={ageMin}
          onChange={(e) => setAgeMin(e.currentTarget.value)}
        />
      </label>
      <label>
        Age to
        <input
          type="number"
          min={0}
          max={130}
          value={ageMax}
          onChange={(e) => setAgeMax(e.currentTarget.value)}
        />
      </label>
      <label>
        Time zones (any of)
        <input
          value={timeZones}
          onChange={(e) => setTimeZones(e.currentTarget.value)}
          placeholder="America/Chicago, America/New_York"
        />
      </label>
      <label>
        Attributes (all of)
        <input
          value={attributes}
          onChange={(e) => setAttributes(e.currentTarget.value)}
          placeholder="plan=gold; site=north"
        />
      </label>
      <fieldset className="filter-group">
        <legend>Reachable by (any of)</legend>
        {delivering.map((c) => (
          <label key={c.channel} className="inline-check">
            <input
              type="checkbox"
              checked={reachableBy.includes(c.channel)}
              onChange={(e) => setReachableBy(toggle(reachableBy, c.channel, e.currentTarget.checked))}
            />
            {c.title}
          </label>
        ))}
      </fieldset>
      <fieldset className="filter-group">
        <legend>Appointments</legend>
        <label>
          Appointments
          <select
            value={appointments}
            onChange={(e) => setAppointments(e.currentTarget.value as '' | 'has' | 'none')}
          >
            <option value="">Any</option>
            <option value="has">Has one of these</option>
            <option value="none">Has none of these</option>
          </select>
        </label>
        {appointments && (
          <>
            <DateField label="Appointments from" value={appointmentFrom} set={setAppointmentFrom} />
            <DateField label="Appointments to" value={appointmentTo} set={setAppointmentTo} />
            {APPOINTMENT_STATUSES.map(([status, label]) => (
              <label key={status} className="inline-check">
                <input
                  type="checkbox"
                  checked={appointmentStatuses.includes(status)}
                  onChange={(e) =>
                    setAppointmentStatuses(toggle(appointmentStatuses, status, e.currentTarget.checked))
                  }
                />
                {label}
              </label>
            ))}
          </>
        )}
      </fieldset>
      <DateField label="Last patient message after" value={messageAfter} set={setMessageAfter} />
      <DateField label="Last patient message before" value={messageBefore} set={setMessageBefore} />
      <DateField label="Last visit after" value={visitAfter} set={setVisitAfter} />
      <DateField label="Last visit before" value={visitBefore} set={setVisitBefore} />
      <fieldset className="filter-group">
        <legend>Consent</legend>
        <label>
          Consent on
          <select value={consentChannel} onChange={(e) => setConsentChannel(e.currentTarget.value)}>
            <option value="">Any</option>
            {delivering.map((c) => (
              <option key={c.channel} value={c.channel}>
                {c.title}
              </option>
            ))}
          </select>
        </label>
        {consentChannel && (
          <>
            <label>
              Consent for
              <select
                value={consentPurpose}
                onChange={(e) => setConsentPurpose(e.currentTarget.value as typeof consentPurpose)}
              >
                <option value="marketing">marketing</option>
                <option value="care">care</option>
                <option value="administrative">administrative</option>
              </select>
            </label>
            <label>
              Consent state
              <select
                value={consentStatus}
                onChange={(e) => setConsentStatus(e.currentTarget.value as typeof consentStatus)}
              >
                {CONSENT_STATES.map(([status, label]) => (
                  <option key={status} value={status}>
                    {label}
                  </option>
                ))}
              </select>
            </label>
          </>
        )}
      </fieldset>
    </>
  );
  return { filter, fields };
}
