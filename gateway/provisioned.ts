import type { Key } from 'lmdb';
import type { Store } from '../domain/store/store.js';
import type { AuditLog } from '../domain/audit/audit-log.js';
import type { ActionContext } from '../domain/access/users.js';
import { SwitchboardError } from '../common/errors.js';
import type { ChannelConfig } from './config.js';
import { prepareChannels } from './config-check.js';
import { resolveSecretValue } from '../common/config.js';

const SECRET_KEYS = ['token', 'webhookSecret', 'accessToken', 'appSecret', 'verifyToken', 'confirmation', 'secret'] as const;

/**
 * Channels declared by `switchboard provision apply` (the `channels:` section
 * of the provisioning document), kept in the store's `channels` database. The
 * document holds secret *references* ({file} or {env}), never secrets, and so
 * does the store: the appliance resolves them when it starts. They take effect
 * at the next start; a channel of the same id in the config file wins.
 */
export class ProvisionedChannels {
  constructor(
    private readonly store: Store,
    private readonly audit: AuditLog,
  ) {}

  private get db() {
    return this.store.db<ChannelConfig, Key>('channels');
  }

  list(): ChannelConfig[] {
    return [...this.db.getRange({ start: ['provisioned'], end: ['provisioned', '\uffff'] })].map((e) => e.value);
  }

  /** Only inside store.write(). */
  setInTxn(channel: ChannelConfig, ctx: ActionContext): void {
    this.db.putSync(['provisioned', channel.id], channel);
    this.audit.append({ ...ctx, action: 'channel.provision', target: `channel:${channel.id}`, details: { type: channel.type } });
  }

  /** Only inside store.write(). */
  removeInTxn(id: string, ctx: ActionContext): void {
    this.db.removeSync(['provisioned', id]);
    this.audit.append({ ...ctx, action: 'channel.provision', target: `channel:${id}`, details: { removed: true } });
  }
}

/**
 * The provisioning document's channels, checked as the config file's are, plus
 * the document's own rule: every secret is a reference, and it resolves now
 * (so a bad document is refused whole instead of failing at the next start).
 */
export function checkProvisionedChannels(raw: unknown[], file: string, env: NodeJS.ProcessEnv = process.env): ChannelConfig[] {
  const holder = { channels: structuredClone(raw) };
  prepareChannels(holder, file);
  const channels = holder.channels as ChannelConfig[];
  channels.forEach((c, i) => {
    for (const key of SECRET_KEYS) {
      const value = (c as unknown as Record<string, unknown>)[key];
      if (value === undefined) continue;
      if (typeof value === 'string') throw new SwitchboardError('SWB_ERR_CONFIG_INVALID', `${file}: channels.${i}.${key}: got a secret written in the document, expected {file: PATH} or {env: NAME}`);
      resolveSecretValue(value as { file: string } | { env: string }, `${file}: channels.${i}.${key}`, env);
    }
  });
  return channels;
}
