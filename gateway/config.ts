import { Type, type Static } from '@sinclair/typebox';
import { SecretValue } from '../common/config.js';

/*
 * Configuration of the messenger gateway: `channels:` (one entry per bot,
 * number, community or widget) and `gateway:` (the public listener, the outbox,
 * attachments). Secrets may be written inline, or as {file: PATH} / {env: NAME}
 * so the config file itself can stay world-readable.
 */
const Secret = SecretValue;
export type SecretValueConfig = Static<typeof Secret>;

const ChannelId = Type.String({ pattern: '^[a-z0-9][a-z0-9_-]{0,63}$', description: 'a channel id: 1-64 of a-z 0-9 _ - starting with a letter or digit' });
const Url = Type.String({ pattern: '^https?://[^\\s]+$', description: 'an http(s) URL' });
const Department = Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: 'the department new conversations of this channel go to' }));
/** Outbound pacing; the defaults are each provider's documented limits. */
const Limits = (perSecond: number, perRecipientSeconds: number) =>
  Type.Object(
    {
      perSecond: Type.Number({ exclusiveMinimum: 0, default: perSecond, description: 'messages per second for the whole channel' }),
      perRecipientSeconds: Type.Number({ minimum: 0, default: perRecipientSeconds, description: 'seconds between two messages to one recipient' }),
    },
    { additionalProperties: false, default: {} },
  );

export const TelegramChannelSchema = Type.Object(
  {
    id: ChannelId,
    type: Type.Literal('telegram'),
    token: Secret,
    mode: Type.Union([Type.Literal('polling'), Type.Literal('webhook')], { default: 'polling', description: 'polling or webhook' }),
    webhookUrl: Type.Optional(Url),
    webhookSecret: Type.Optional(Secret),
    apiBase: Type.String({ ...Url, default: 'https://api.telegram.org' }),
    pollTimeoutSeconds: Type.Integer({ minimum: 0, maximum: 50, default: 25 }),
    department: Department,
    limits: Limits(30, 1),
  },
  { additionalProperties: false },
);

export const WhatsAppChannelSchema = Type.Object(
  {
    id: ChannelId,
    type: Type.Literal('whatsapp'),
    phoneNumberId: Type.String({ pattern: '^\\d{1,32}$', description: 'the WhatsApp Business phone number id (digits)' }),
    accessToken: Secret,
    appSecret: Secret,
    verifyToken: Secret,
    apiBase: Type.String({ ...Url, default: 'https://graph.facebook.com/v21.0' }),
    department: Department,
    limits: Limits(80, 6),
  },
  { additionalProperties: false },
);

export const VkChannelSchema = Type.Object(
  {
    id: ChannelId,
    type: Type.Literal('vk'),
    groupId: Type.Integer({ minimum: 1, description: 'the community id' }),
    accessToken: Secret,
    mode: Type.Union([Type.Literal('callback'), Type.Literal('longpoll')], { default: 'callback', description: 'callback or longpoll' }),
    confirmation: Type.Optional(Secret),
    secret: Type.Optional(Secret),
    apiVersion: Type.String({ default: '5.199' }),
    apiBase: Type.String({ ...Url, default: 'https://api.vk.com/method' }),
    department: Department,
    limits: Limits(20, 0),
  },
  { additionalProperties: false },
);

/**
 * Who may start a chat, and how fast: a new visitor is a hello without a token the
 * channel knows; a new conversation is a visitor's first message (which creates the
 * client). Source addresses are the public listener's socket peers (IPv6 by /64).
 */
const PerMinute = (value: number, what: string) => Type.Integer({ minimum: 1, maximum: 1_000_000, default: value, description: `an integer from 1 to 1000000: ${what} a minute (as many at once, then spread evenly)` });
export const WebchatVisitorsSchema = Type.Object(
  {
    newVisitorsPerMinutePerAddress: PerMinute(10, 'new visitors from one source address'),
    newVisitorsPerMinutePerOrigin: PerMinute(300, 'new visitors under one Origin header'),
    newConversationsPerMinutePerAddress: PerMinute(3, 'first messages (new clients and conversations) from one source address'),
    newConversationsPerMinutePerOrigin: PerMinute(60, 'first messages (new clients and conversations) under one Origin header'),
    idleVisitorTtlSeconds: Type.Integer({ minimum: 1, maximum: 7 * 86400, default: 1800, description: 'an integer from 1 to 604800: seconds a visitor identity that never wrote is kept after it was issued; then its token names nobody and its tabs are closed' }),
  },
  { additionalProperties: false, default: {} },
);

export const WebchatChannelSchema = Type.Object(
  {
    id: ChannelId,
    type: Type.Literal('webchat'),
    allowedOrigins: Type.Array(Url, { default: [], description: 'origins (scheme://host[:port]) of the pages that may embed the widget; empty allows any' }),
    title: Type.String({ maxLength: 100, default: 'Chat with us' }),
    department: Department,
    limits: Limits(1000, 0),
    visitors: WebchatVisitorsSchema,
  },
  { additionalProperties: false },
);

export const ChannelSchema = Type.Union([TelegramChannelSchema, WhatsAppChannelSchema, VkChannelSchema, WebchatChannelSchema], {
  description: 'a channel: {id, type: telegram|whatsapp|vk|webchat, ...provider settings}',
});

export const ChannelsSchema = Type.Array(ChannelSchema, { default: [] });

export const GatewaySchema = Type.Object(
  {
    publicListen: Type.Union([Type.String({ pattern: '^(\\[[^\\]]+\\]|[^:]+):\\d{1,5}$' }), Type.Null()], {
      default: null,
      description: 'host:port of the public webhook listener, or null (off)',
    }),
    publicBodyLimitBytes: Type.Integer({ minimum: 1024, maximum: 16 * 1024 * 1024, default: 1024 * 1024 }),
    attachmentMaxBytes: Type.Integer({ minimum: 1, default: 20 * 1024 * 1024, description: 'largest attachment downloaded (bytes)' }),
    inboundPerSenderPerSecond: Type.Number({ exclusiveMinimum: 0, default: 20, description: 'messages per second one sender may push through a webhook before 429' }),
    inboundBurst: Type.Integer({ minimum: 1, default: 200 }),
    dedupeDays: Type.Integer({ minimum: 1, default: 8, description: 'how long provider message ids are remembered (WhatsApp retries for 7 days)' }),
    outbox: Type.Object(
      {
        baseDelayMs: Type.Integer({ minimum: 1, default: 1000, description: 'first retry delay; doubles each attempt' }),
        maxDelayMs: Type.Integer({ minimum: 1, default: 5 * 60_000 }),
        giveUpAfterSeconds: Type.Integer({ minimum: 1, default: 24 * 3600, description: 'a reply still unsent this long after it was queued is failed' }),
        requestTimeoutMs: Type.Integer({ minimum: 100, default: 30_000 }),
        concurrency: Type.Integer({ minimum: 1, maximum: 1000, default: 32 }),
      },
      { additionalProperties: false, default: {} },
    ),
  },
  { additionalProperties: false, default: {} },
);

export type ChannelConfig = Static<typeof ChannelSchema>;
export type TelegramChannelConfig = Static<typeof TelegramChannelSchema>;
export type WhatsAppChannelConfig = Static<typeof WhatsAppChannelSchema>;
export type VkChannelConfig = Static<typeof VkChannelSchema>;
export type WebchatChannelConfig = Static<typeof WebchatChannelSchema>;
export type WebchatVisitorsConfig = Static<typeof WebchatVisitorsSchema>;
export type GatewayConfig = Static<typeof GatewaySchema>;

/** What the gateway reads of the whole configuration: its own sections and the data directory. */
export interface GatewayModuleConfig {
  dataDir: string;
  channels: ChannelConfig[];
  gateway: GatewayConfig;
}
