/**
 * Messages the hub sends on its own after triage. Short and plain so they fit one SMS; Spanish when
 * the patient wrote in Spanish, English otherwise.
 */
type Language = 'en' | 'es';

const pick = (language: string | undefined): Language => (language === 'es' ? 'es' : 'en');

export function emergencySafetyReply(clinicName: string, language: string | undefined): string {
  return pick(language) === 'es'
    ? `${clinicName}: si es una emergencia, llame al 911 o vaya a la sala de emergencias más cercana ahora. Avisamos a una enfermera.`
    : `${clinicName}: if this is an emergency, call 911 or go to the nearest emergency department now. A nurse has been alerted.`;
}

export function appointmentAcknowledgement(
  action: 'confirm' | 'cancel',
  clinicName: string,
  when: string,
  language: string | undefined,
): string {
  if (pick(language) === 'es') {
    return action === 'confirm'
      ? `${clinicName}: su cita del ${when} está confirmada. ¡Gracias!`
      : `${clinicName}: su cita del ${when} fue cancelada. Responda si desea una nueva fecha.`;
  }
  return action === 'confirm'
    ? `${clinicName}: your appointment on ${when} is confirmed. Thank you!`
    : `${clinicName}: your appointment on ${when} is cancelled. Reply if you would like a new time.`;
}

/** A date and time as the patient reads it, in the clinic's (or their own) time zone. */
export function formatAppointmentTime(at: Date, timeZone: string, language: string | undefined): string {
  return new Intl.DateTimeFormat(pick(language) === 'es' ? 'es-US' : 'en-US', {
    timeZone,
    weekday: 'short',
    month: 'short',
    day: 'numeric',
    hour: 'numeric',
    minute: '2-digit',
  }).format(at);
}
