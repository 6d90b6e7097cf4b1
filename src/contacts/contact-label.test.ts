import { declareShippedIdentityKinds } from '../platform/addresses/shipped-identity-kinds.test-support';
import { contactLabel, visibleAddress } from './contact-label';

declareShippedIdentityKinds();

describe('contactLabel', () => {
  it('falls back to the formatted phone when the name is unknown', () => {
    expect(contactLabel(null, [{ kind: 'phone', address: '+14155550123' }])).toEqual({
      displayName: '+1 415 555 0123',
      displayAddress: '+1 415 555 0123',
    });
  });

  it('keeps the name and shows the email as the address', () => {
    expect(contactLabel('Ana Lopez', [{ kind: 'email', address: 'ana@patients.example' }])).toEqual({
      displayName: 'Ana Lopez',
      displayAddress: 'ana@patients.example',
    });
  });

  it('never shows a chat session id', () => {
    const label = contactLabel(null, [{ kind: 'webchat', address: 'sess_8f3a2c' }]);
    expect(label).toEqual({ displayName: 'Web chat visitor', displayAddress: null });
    expect(visibleAddress({ kind: 'webchat', address: 'sess_8f3a2c' })).not.toContain('sess_8f3a2c');
  });

  it('names a chat visitor by the name she gave', () => {
    expect(contactLabel('Maria', [{ kind: 'webchat', address: 'sess_1' }])).toEqual({
      displayName: 'Maria',
      displayAddress: null,
    });
  });
});
