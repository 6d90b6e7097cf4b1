import { type AlertKind, type AlertMeans, type AlertPreferences, notificationsAvailable } from './alerts';

const KINDS: { kind: AlertKind; label: string }[] = [
  { kind: 'emergency', label: 'Emergencies' },
  { kind: 'message', label: 'New messages in my queues' },
];
const MEANS: { means: AlertMeans; label: string }[] = [
  { means: 'sound', label: 'Sound' },
  { means: 'notification', label: 'Desktop notification' },
  { means: 'title', label: 'Count in the tab title' },
];

/** The alert preferences: one checkbox per kind of event and means of telling. */
export function AlertSettings({
  prefs,
  onChange,
}: {
  prefs: AlertPreferences;
  onChange: (prefs: AlertPreferences) => void;
}) {
  const set = (kind: AlertKind, means: AlertMeans, on: boolean) => {
    onChange({ ...prefs, [kind]: { ...prefs[kind], [means]: on } });
    // The browser asks once, at the moment she chooses notifications (never unprompted on load).
    if (on && means === 'notification' && notificationsAvailable() && Notification.permission === 'default') {
      void Notification.requestPermission();
    }
  };
  const denied = notificationsAvailable() && Notification.permission === 'denied';
  return (
    <details className="alert-settings">
      <summary>Alerts</summary>
      <div className="alert-settings-panel">
        {KINDS.map(({ kind, label }) => (
          <fieldset key={kind}>
            <legend>{label}</legend>
            {MEANS.map(({ means, label: meansLabel }) => (
              <label key={means}>
                <input
                  type="checkbox"
                  checked={prefs[kind][means]}
                  onChange={(e) => set(kind, means, e.target.checked)}
                />
                {meansLabel}
              </label>
            ))}
          </fieldset>
        ))}
        {denied && (
          <p className="muted">
            This browser blocks notifications for the inbox: allow them in its site settings.
          </p>
        )}
      </div>
    </details>
  );
}
