import { Value } from '@sinclair/typebox/value';
import type { TSchema } from '@sinclair/typebox';
import { SwitchboardError } from '../common/errors.js';
import { TelegramChannelSchema, WhatsAppChannelSchema, VkChannelSchema, WebchatChannelSchema } from './config.js';

const BY_TYPE: Record<string, TSchema> = {
  telegram: TelegramChannelSchema,
  whatsapp: WhatsAppChannelSchema,
  vk: VkChannelSchema,
  webchat: WebchatChannelSchema,
};

/** Keys whose values are secrets: an error names the key and what was expected, never the value. */
const SECRET_KEYS = new Set(['token', 'accessToken', 'appSecret', 'verifyToken', 'webhookSecret', 'secret', 'confirmation']);

function invalid(source: string, key: string, value: unknown, expected: string): SwitchboardError {
  const secret = key.split('.').some((part) => SECRET_KEYS.has(part));
  const got = value === undefined ? 'nothing' : secret ? '[redacted]' : JSON.stringify(value);
  return new SwitchboardError('SWB_ERR_CONFIG_INVALID', `${source}: ${key}: got ${got}, expected ${expected}`, { key, value: secret ? '[redacted]' : value, expected });
}

/**
 * Channels are a union keyed by `type`; a union's schema error only says "no
 * variant matched". Each entry is checked here against its own type's schema
 * first, so the error names the exact key (channels.1.phoneNumberId), and rules a
 * schema cannot say (unique ids, what webhook mode needs) are enforced.
 */
export function prepareChannels(raw: Record<string, unknown>, source: string): void {
  const list = raw.channels;
  if (list === undefined) return;
  if (!Array.isArray(list)) throw invalid(source, 'channels', list, 'a list of channels');
  const seen = new Set<string>();
  list.forEach((entry: unknown, i) => {
    const where = `channels.${i}`;
    if (!entry || typeof entry !== 'object' || Array.isArray(entry)) throw invalid(source, where, entry, 'a channel: {id, type, ...}');
    const type = (entry as { type?: unknown }).type;
    const schema = typeof type === 'string' ? BY_TYPE[type] : undefined;
    if (!schema) throw invalid(source, `${where}.type`, type, 'one of telegram, whatsapp, vk, webchat');
    const withDefaults = Value.Default(schema, structuredClone(entry)) as Record<string, unknown>;
    const first = Value.Errors(schema, withDefaults).First();
    if (first) {
      const key = `${where}${first.path.replace(/\//g, '.')}`;
      throw invalid(source, key, first.value, (first.schema as { description?: string }).description ?? first.message.replace(/^Expected /i, ''));
    }
    const id = withDefaults.id as string;
    if (seen.has(id)) throw invalid(source, `${where}.id`, id, 'an id no other channel has');
    seen.add(id);
    if (type === 'telegram' && withDefaults.mode === 'webhook') {
      if (!withDefaults.webhookUrl) throw invalid(source, `${where}.webhookUrl`, undefined, 'the public URL of POST /webhooks/<id> (webhook mode needs it)');
      if (!withDefaults.webhookSecret) throw invalid(source, `${where}.webhookSecret`, undefined, 'a secret of 1-256 of A-Z a-z 0-9 _ - (webhook mode needs it)');
      // The token must never be in a URL of ours: Telegram would log it, and so would every proxy on the way.
      if (typeof withDefaults.token === 'string' && String(withDefaults.webhookUrl).includes(withDefaults.token)) {
        throw invalid(source, `${where}.webhookUrl`, '[contains the bot token]', 'a URL without the bot token in it');
      }
    }
    if (type === 'vk' && withDefaults.mode === 'callback') {
      if (!withDefaults.confirmation) throw invalid(source, `${where}.confirmation`, undefined, 'the Callback API confirmation code');
      if (!withDefaults.secret) throw invalid(source, `${where}.secret`, undefined, 'the Callback API secret key');
    }
    list[i] = withDefaults;
  });
}
