import { useState } from 'react';
import { api } from '../shared/api';

interface Props {
  contactId: string;
  onSaved: () => void;
  onCancel: () => void;
}

/**
 * The composer's "Add date of birth": the date a patient confirms to open a secure link, saved on
 * the contact (supervisors and admins; the server refuses anyone else). Not a <form>: it sits inside
 * the reply form, and forms do not nest.
 */
export function DateOfBirthForm({ contactId, onSaved, onCancel }: Props) {
  const [value, setValue] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);
  const save = async () => {
    if (!value || saving) return;
    setSaving(true);
    setError(null);
    try {
      await api('PATCH', `/contacts/${contactId}`, { dateOfBirth: value });
      onSaved();
    } catch (err) {
      setError(err instanceof Error ? err.message : 'could not save the date of birth');
    } finally {
      setSaving(false);
    }
  };
  return (
    <fieldset className="date-of-birth-form">
      <legend>Patient's date of birth</legend>
      <input
        type="date"
        aria-label="Date of birth"
        value={value}
        max={new Date().toISOString().slice(0, 10)}
        onChange={(e) => setValue(e.target.value)}
        onKeyDown={(e) => {
          if (e.key === 'Enter') {
            e.preventDefault();
            void save();
          }
        }}
      />
      <button type="button" onClick={() => void save()} disabled={!value || saving}>
        {saving ? 'Saving…' : 'Save date of birth'}
      </button>
      <button type="button" onClick={onCancel}>
        Cancel
      </button>
      {error && (
        <span role="alert" className="error">
          {error}
        </span>
      )}
    </fieldset>
  );
}
