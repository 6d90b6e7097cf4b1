import { generateKeyPairSync } from 'node:crypto';

/**
 * The DNS a mail server's sender checks read, served from memory: tests cannot reach real DNS.
 * `resolver` has the shape of `dns.promises.resolve` (what mailauth calls), and a name without
 * records fails the way the real one does (ENOTFOUND), which SPF and DMARC read as "none".
 */
export class DnsStandIn {
  private readonly txt = new Map<string, string[][]>();

  readonly resolver = async (name: string, rrtype: string): Promise<string[][]> => {
    const records = rrtype === 'TXT' ? this.txt.get(name.toLowerCase()) : undefined;
    if (!records) throw Object.assign(new Error(`queryTxt ENOTFOUND ${name}`), { code: 'ENOTFOUND' });
    return records;
  };

  /** A TXT record; long values are split in 255-character strings, as DNS carries them. */
  addTxt(name: string, value: string): void {
    const strings = value.match(/.{1,255}/g) ?? [''];
    this.txt.set(name.toLowerCase(), [...(this.txt.get(name.toLowerCase()) ?? []), strings]);
  }

  spf(domain: string, record: string): void {
    this.addTxt(domain, record);
  }

  dmarc(domain: string, policy: 'none' | 'quarantine' | 'reject'): void {
    this.addTxt(`_dmarc.${domain}`, `v=DMARC1; p=${policy}`);
  }

  /** A fresh 2048-bit RSA DKIM key published at `selector._domainkey.domain`; returns the private key (PEM). */
  dkimKey(domain: string, selector: string): string {
    const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const der = publicKey.export({ type: 'spki', format: 'der' }).toString('base64');
    this.addTxt(`${selector}._domainkey.${domain}`, `v=DKIM1; k=rsa; p=${der}`);
    return privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  }
}
