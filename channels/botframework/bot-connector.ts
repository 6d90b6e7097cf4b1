import {
  type Activity,
  CloudAdapter,
  ConfigurationBotFrameworkAuthentication,
  type ConversationReference,
  TurnContext,
} from 'botbuilder';
import { AuthenticationConstants } from 'botframework-connector';
import { CallerIdConstants } from 'botframework-schema';

/** The result of checking a request's Bot Framework token; handed back to `runTurn`. */
export type VerifiedRequest = Awaited<
  ReturnType<ConfigurationBotFrameworkAuthentication['authenticateRequest']>
>;

export type { ConversationReference } from 'botbuilder';

export interface BotCredentials {
  appId: string;
  password: string;
  /** `MultiTenant` (default) or `SingleTenant` (then `tenantId` is required). */
  appType?: 'MultiTenant' | 'SingleTenant';
  tenantId?: string;
  /** The OpenID metadata whose keys sign channel tokens; unset: Microsoft's public cloud. */
  openIdMetadataUrl?: string;
}

/** What a message turn hands to the channel: the reference to answer it later, and its text. */
export interface MessageTurn {
  reference: Partial<ConversationReference>;
  /** The text with an @mention of the bot removed (Teams channels prefix messages with one). */
  text: string;
}

export interface BotConnector {
  /** True when requests must carry a valid Bot Framework token (app id and password are set). */
  readonly authenticated: boolean;
  /**
   * Checks the request's token against the activity's channel and service URL. Rejects with an error
   * whose `statusCode` is 401 (or a jsonwebtoken error) when the token is missing or wrong.
   */
  verify(activity: { channelId?: string; serviceUrl?: string }, authHeader: string): Promise<VerifiedRequest>;
  /** Runs one turn of a verified activity; `onMessage` is called for `message` activities only. */
  runTurn(
    verified: VerifiedRequest,
    activity: Record<string, unknown>,
    onMessage: (turn: MessageTurn) => Promise<void>,
  ): Promise<{ status: number; body?: unknown } | undefined>;
  /** Sends a message into a stored conversation (proactively); resolves with the connector's activity id. */
  sendProactive(reference: Partial<ConversationReference>, text: string): Promise<string | undefined>;
}

/** Exposes the protected parts of CloudAdapter the hub needs to answer with its own error shape. */
class HubCloudAdapter extends CloudAdapter {
  verify(activity: Partial<Activity>, authHeader: string): Promise<VerifiedRequest> {
    return this.botFrameworkAuthentication.authenticateRequest(activity as Activity, authHeader);
  }

  runVerified(verified: VerifiedRequest, activity: Activity, logic: (context: TurnContext) => Promise<void>) {
    return this.processActivity(verified, activity, logic);
  }
}

/**
 * The public cloud's endpoints, spelled out because naming any one of them (the OpenID metadata)
 * makes the SDK take all of them from the configuration, with no defaults for the rest.
 */
function publicCloudSettings(credentials: BotCredentials) {
  return {
    MicrosoftAppId: credentials.appId,
    MicrosoftAppPassword: credentials.password,
    MicrosoftAppType: credentials.appType ?? 'MultiTenant',
    ...(credentials.tenantId ? { MicrosoftAppTenantId: credentials.tenantId } : {}),
    ValidateAuthority: true,
    ToChannelFromBotLoginUrl: AuthenticationConstants.ToChannelFromBotLoginUrl,
    ToChannelFromBotOAuthScope: AuthenticationConstants.ToChannelFromBotOAuthScope,
    ToBotFromChannelTokenIssuer: AuthenticationConstants.ToBotFromChannelTokenIssuer,
    OAuthUrl: AuthenticationConstants.OAuthUrl,
    ToBotFromChannelOpenIdMetadataUrl:
      credentials.openIdMetadataUrl ?? AuthenticationConstants.ToBotFromChannelOpenIdMetadataUrl,
    ToBotFromEmulatorOpenIdMetadataUrl: AuthenticationConstants.ToBotFromEmulatorOpenIdMetadataUrl,
    CallerId: CallerIdConstants.PublicAzureChannel,
  };
}

/**
 * The one place botbuilder's CloudAdapter is constructed. Without credentials (the Emulator mode)
 * the authentication is disabled and outbound calls carry no token, so nothing ever asks
 * login.microsoftonline.com for one.
 */
export function createBotConnector(credentials: BotCredentials | null): BotConnector {
  const auth = new ConfigurationBotFrameworkAuthentication(
    credentials ? publicCloudSettings(credentials) : {},
  );
  const adapter = new HubCloudAdapter(auth);
  const appId = credentials?.appId ?? '';

  return {
    authenticated: credentials !== null,
    verify: (activity, authHeader) => adapter.verify(activity, authHeader),
    async runTurn(verified, activity, onMessage) {
      const result = await adapter.runVerified(verified, activity as unknown as Activity, async (context) => {
        if (context.activity.type !== 'message') return;
        await onMessage({
          reference: TurnContext.getConversationReference(context.activity),
          text: TurnContext.removeRecipientMention(context.activity) ?? context.activity.text ?? '',
        });
      });
      return result ? { status: result.status, body: result.body } : undefined;
    },
    async sendProactive(reference, text) {
      let id: string | undefined;
      await adapter.continueConversationAsync(appId, reference, async (context) => {
        // A proactive turn would otherwise reply to its own synthetic continuation activity id;
        // the message belongs in the conversation itself.
        context.onSendActivities(async (_context, activities, next) => {
          for (const activity of activities) delete activity.replyToId;
          return next();
        });
        const response = await context.sendActivity({ type: 'message', text });
        id = response?.id || undefined;
      });
      return id;
    },
  };
}
