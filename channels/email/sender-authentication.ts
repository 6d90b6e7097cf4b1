import { type AuthenticateResult, authenticate, type DNSResolver } from 'mailauth';

/** A DNS lookup as `dns.promises.resolve(name, rrtype)` answers it (TXT records as string arrays). */
export type DnsResolver = DNSResolver;

/**
 * Whether an email's From address is proven to be its sender's, and the results that say so. Kept
 * on the stored message (`channelMeta.senderAuthentication`): no address, only verdicts and domains.
 */
export interface SenderAuthentication {
  verified: boolean;
  /**
   * `dmarc_pass`, `aligned_dkim`, `aligned_spf`, `dmarc_fail`, `not_aligned` or `check_failed`; prefixed
   * `relay_` when read from the webhook relay's Authentication-Results (`relay_header_missing` too).
   */
  reason: string;
  dmarc: string;
  spf: string;
  /** Each DKIM signature's result and signing domain, e.g. `pass:example.org`. */
  dkim: string[];
}

type Verdicts = Pick<AuthenticateResult, 'dkim' | 'spf' | 'dmarc'>;

const domainOf = (address: string) => address.slice(address.lastIndexOf('@') + 1).toLowerCase();

/** Relaxed alignment, conservatively: the same domain, or one a subdomain of the other. */
function aligned(domain: string, fromDomain: string): boolean {
  const d = domain.toLowerCase();
  return d === fromDomain || d.endsWith(`.${fromDomain}`) || fromDomain.endsWith(`.${d}`);
}

/**
 * The rule: a sender is verified when DMARC passes (an SPF or DKIM pass aligned with the From
 * domain, under the domain's own policy). A domain that publishes no DMARC record gets the same
 * test without a policy: a DKIM signature that passes for the From domain, or SPF that passes for
 * a MAIL FROM in the From domain. Anything else (DMARC fail, only unaligned passes, nothing at all,
 * or DNS that could not answer) is unverified: the message is kept, flagged, and filed apart.
 */
export function senderVerdict(result: Verdicts): SenderAuthentication {
  const dmarc = result.dmarc ? result.dmarc.status.result : 'none';
  const spf = result.spf ? result.spf.status.result : 'none';
  // mailauth lists a `none` row for a message with no signature at all: only signatures count.
  const signatures = result.dkim.results.filter((r) => Boolean(r.signingDomain));
  const dkim = signatures.map((r) => `${r.status.result}:${r.signingDomain}`);
  const summary = { dmarc, spf, dkim };
  const fromDomains = result.dkim.headerFrom ?? [];
  if (fromDomains.length !== 1) {
    // No From, or several: DMARC cannot say whose the message is.
    return { verified: false, reason: 'not_aligned', ...summary };
  }
  if (dmarc === 'pass') return { verified: true, reason: 'dmarc_pass', ...summary };
  if (dmarc === 'fail') return { verified: false, reason: 'dmarc_fail', ...summary };
  if (dmarc !== 'none') return { verified: false, reason: 'check_failed', ...summary };
  const fromDomain = domainOf(fromDomains[0]!);
  if (signatures.some((r) => r.status.result === 'pass' && aligned(r.signingDomain, fromDomain))) {
    return { verified: true, reason: 'aligned_dkim', ...summary };
  }
  if (result.spf && spf === 'pass' && aligned(result.spf.domain, fromDomain)) {
    return { verified: true, reason: 'aligned_spf', ...summary };
  }
  return { verified: false, reason: 'not_aligned', ...summary };
}

export interface SmtpPeer {
  ip: string;
  /** The name the client gave in EHLO/HELO. */
  helo?: string;
  /** The envelope sender (MAIL FROM), empty for bounces. */
  mailFrom?: string;
}

/**
 * SPF, DKIM and DMARC for one message received over SMTP, through mailauth. A check that throws
 * (a malformed message, a resolver failure mailauth did not catch) counts as unverified.
 */
export async function authenticateSender(
  raw: Buffer,
  peer: SmtpPeer,
  options: { resolver?: DnsResolver; mta: string },
): Promise<SenderAuthentication> {
  try {
    const result = await authenticate(raw, {
      ip: peer.ip,
      helo: peer.helo,
      sender: peer.mailFrom ?? '',
      mta: options.mta,
      resolver: options.resolver,
      // ARC would let a forwarder vouch for a message; the hub takes no forwarder's word.
      disableArc: true,
      disableBimi: true,
    });
    return senderVerdict(result);
  } catch {
    return { verified: false, reason: 'check_failed', dmarc: 'temperror', spf: 'temperror', dkim: [] };
  }
}

/**
 * The verdict of a relay the clinic runs in front of the webhook, read from its Authentication-Results
 * header (RFC 8601), by the same rule as `senderVerdict`. Only a header whose authserv-id is the
 * relay's counts: any other was written upstream, possibly by the sender. The relay adds its header
 * on top, so the first one that names it is its own.
 */
export function relayVerdict(
  headerValues: string[],
  authservId: string,
  fromAddress: string,
): SenderAuthentication {
  const wanted = authservId.toLowerCase();
  const own = headerValues.find((value) => value.trim().split(/[\s;]/, 1)[0]?.toLowerCase() === wanted);
  // Comments in parentheses may hold anything, including text that looks like a result.
  const results = (own ?? '')
    .replace(/\([^()]*\)/g, ' ')
    .split(';')
    .slice(1)
    .map((resinfo) => {
      const [method, result] = /^\s*([a-z-]+)\s*=\s*([a-z]+)/i.exec(resinfo)?.slice(1) ?? [];
      const domain = /header\.(?:d|i)\s*=\s*@?([^\s;]+)/i.exec(resinfo)?.[1] ?? '';
      const mailFrom = /smtp\.mailfrom\s*=\s*([^\s;]+)/i.exec(resinfo)?.[1] ?? '';
      return { method: method?.toLowerCase(), result: result?.toLowerCase(), domain, mailFrom };
    });
  const first = (method: string) => results.find((r) => r.method === method);
  const dmarc = first('dmarc')?.result ?? 'none';
  const spf = first('spf');
  const dkim = results.filter((r) => r.method === 'dkim');
  const summary = {
    dmarc,
    spf: spf?.result ?? 'none',
    dkim: dkim.map((r) => `${r.result}:${r.domain}`),
  };
  const verdict = (verified: boolean, reason: string) => ({
    verified,
    reason: `relay_${reason}`,
    ...summary,
  });
  if (!own) return verdict(false, 'header_missing');
  if (dmarc === 'pass') return verdict(true, 'dmarc_pass');
  if (dmarc !== 'none') return verdict(false, dmarc === 'fail' ? 'dmarc_fail' : 'check_failed');
  const fromDomain = domainOf(fromAddress);
  if (dkim.some((r) => r.result === 'pass' && r.domain && aligned(r.domain, fromDomain))) {
    return verdict(true, 'aligned_dkim');
  }
  if (spf?.result === 'pass' && spf.mailFrom && aligned(domainOf(spf.mailFrom), fromDomain)) {
    return verdict(true, 'aligned_spf');
  }
  return verdict(false, 'not_aligned');
}
