import twilio from 'twilio';
import type RequestClient from 'twilio/lib/base/RequestClient';

export type TwilioClient = ReturnType<typeof twilio>;

/**
 * Sends every REST call to `apiUrl` instead of Twilio's hosts, keeping path and query. This is how
 * the real SDK is pointed at a stand-in (TWILIO_API_URL) in tests and benchmarks.
 */
class RebasedRequestClient extends twilio.RequestClient {
  constructor(
    private readonly apiUrl: URL,
    options: ConstructorParameters<typeof twilio.RequestClient>[0],
  ) {
    super(options);
  }

  override request<TData>(opts: RequestClient.RequestOptions<TData>) {
    const original = new URL(opts.uri);
    const rebased = new URL(`${original.pathname}${original.search}`, this.apiUrl);
    return super.request<TData>({ ...opts, uri: rebased.href });
  }
}

/** The one place the Twilio REST client is constructed. */
export function createTwilioClient(options: {
  accountSid: string;
  authToken: string;
  apiUrl?: string;
}): TwilioClient {
  const clientOptions = { timeout: 15_000, keepAlive: true };
  const httpClient = options.apiUrl
    ? new RebasedRequestClient(new URL(options.apiUrl), clientOptions)
    : new twilio.RequestClient(clientOptions);
  return twilio(options.accountSid, options.authToken, { httpClient });
}
