import type { AuthenticateResult } from 'mailauth';
import { relayVerdict, senderVerdict } from './sender-authentication';

type Verdicts = Pick<AuthenticateResult, 'dkim' | 'spf' | 'dmarc'>;

/** The parts of mailauth's answer the verdict reads, for a message From ana@patients.example. */
function verdicts(options: {
  dmarc?: string | false;
  spf?: { result: string; domain: string } | false;
  dkim?: { result: string; domain: string }[];
  from?: string[];
}): Verdicts {
  return {
    dmarc: options.dmarc ? ({ status: { result: options.dmarc } } as Verdicts['dmarc']) : false,
    spf: options.spf
      ? ({ domain: options.spf.domain, status: { result: options.spf.result } } as Verdicts['spf'])
      : false,
    dkim: {
      headerFrom: options.from ?? ['ana@patients.example'],
      envelopeFrom: false,
      results: (options.dkim ?? []).map((d) => ({
        signingDomain: d.domain,
        status: { result: d.result },
        info: '',
      })) as Verdicts['dkim']['results'],
    },
  };
}

describe('senderVerdict: verified only with DMARC pass, or an aligned pass where no DMARC is published', () => {
  test.each([
    ['DMARC pass', { dmarc: 'pass' }, true, 'dmarc_pass'],
    [
      'DMARC fail (forged, SPF fail)',
      { dmarc: 'fail', spf: { result: 'fail', domain: 'patients.example' } },
      false,
      'dmarc_fail',
    ],
    ['DMARC lookup failed', { dmarc: 'temperror' }, false, 'check_failed'],
    [
      'no DMARC, DKIM pass for the From domain',
      { dmarc: 'none', dkim: [{ result: 'pass', domain: 'patients.example' }] },
      true,
      'aligned_dkim',
    ],
    [
      'no DMARC, DKIM pass for a subdomain',
      { dmarc: 'none', dkim: [{ result: 'pass', domain: 'mail.patients.example' }] },
      true,
      'aligned_dkim',
    ],
    [
      'no DMARC, DKIM pass for another domain',
      { dmarc: 'none', dkim: [{ result: 'pass', domain: 'attacker.example' }] },
      false,
      'not_aligned',
    ],
    [
      'no DMARC, DKIM body hash broken',
      { dmarc: 'none', dkim: [{ result: 'neutral', domain: 'patients.example' }] },
      false,
      'not_aligned',
    ],
    [
      'no DMARC, SPF pass for the From domain',
      { dmarc: 'none', spf: { result: 'pass', domain: 'patients.example' } },
      true,
      'aligned_spf',
    ],
    [
      'no DMARC, SPF pass for another domain',
      { dmarc: 'none', spf: { result: 'pass', domain: 'bulk.example' } },
      false,
      'not_aligned',
    ],
    [
      'a look-alike domain is not aligned',
      { dmarc: 'none', spf: { result: 'pass', domain: 'evilpatients.example' } },
      false,
      'not_aligned',
    ],
    [
      'nothing published at all',
      { dmarc: 'none', spf: { result: 'none', domain: 'patients.example' } },
      false,
      'not_aligned',
    ],
    [
      'two From addresses',
      { dmarc: 'pass', from: ['a@patients.example', 'b@other.example'] },
      false,
      'not_aligned',
    ],
  ])('%s', (_case, input, verified, reason) => {
    expect(senderVerdict(verdicts(input))).toMatchObject({ verified, reason });
  });
});

describe('relayVerdict: only the configured relay’s Authentication-Results counts', () => {
  const from = 'ana@patients.example';
  test.each([
    [
      'relay: DMARC pass',
      ['mx.clinic.test; spf=pass smtp.mailfrom=x.org; dmarc=pass header.from=patients.example'],
      true,
      'relay_dmarc_pass',
    ],
    [
      'relay: DMARC fail',
      ['mx.clinic.test; dmarc=fail header.from=patients.example'],
      false,
      'relay_dmarc_fail',
    ],
    ['relay, case differs', ['MX.Clinic.Test; dmarc=pass'], true, 'relay_dmarc_pass'],
    [
      'relay: no DMARC, aligned DKIM',
      ['mx.clinic.test; dkim=pass header.d=patients.example; dmarc=none'],
      true,
      'relay_aligned_dkim',
    ],
    [
      'relay: no DMARC, DKIM of another domain',
      ['mx.clinic.test; dkim=pass header.d=attacker.example'],
      false,
      'relay_not_aligned',
    ],
    [
      'relay: no DMARC, aligned SPF',
      ['mx.clinic.test; spf=pass smtp.mailfrom=bounce@patients.example'],
      true,
      'relay_aligned_spf',
    ],
    [
      'a comment that looks like a verdict',
      ['mx.clinic.test; spf=none (dmarc=pass)'],
      false,
      'relay_not_aligned',
    ],
    ['another server says pass', ['evil.example; dmarc=pass'], false, 'relay_header_missing'],
    [
      'a name that only starts like the relay',
      ['mx.clinic.test.evil.example; dmarc=pass'],
      false,
      'relay_header_missing',
    ],
    [
      'the relay’s header first, a forged one below',
      ['mx.clinic.test; dmarc=fail', 'mx.clinic.test; dmarc=pass'],
      false,
      'relay_dmarc_fail',
    ],
    ['no header', [], false, 'relay_header_missing'],
  ])('%s', (_case, headers, verified, reason) => {
    expect(relayVerdict(headers, 'mx.clinic.test', from)).toMatchObject({ verified, reason });
  });
});
