import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import type { ConnectionOptions } from 'node:tls';
import { Client, InvalidCredentialsError, SizeLimitExceededError, type Entry } from 'ldapts';
import { SwitchboardError } from '../../common/errors.js';
import { resolveSecretValue } from '../../common/config.js';
import type { Logger } from '../../common/log.js';
import type { DirectoryClient, DirectoryEntry } from '../../domain/access/directory.js';
import { checkDirectoryConfig, type DirectoryConfig } from '../../domain/access/directory-config.js';

/** Active Directory's userAccountControl flag for a disabled account. */
const ACCOUNTDISABLE = 0x2;

/**
 * An assertion value for a search filter (RFC 4515 section 3): the five characters that
 * could end or widen the filter are written as \XX escapes, so a sign-in name such as
 * `*` or `x)(uid=*` matches only an entry literally named so.
 */
export function escapeFilterValue(value: string): string {
  return value.replace(/[*()\\\0]/g, (c) => `\\${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

/** The configured filter with its placeholder replaced by the escaped value. */
export function fillFilter(template: string, placeholder: 'username' | 'dn', value: string): string {
  return template.split(`{${placeholder}}`).join(escapeFilterValue(value));
}

/**
 * The directory over LDAPS or StartTLS, the certificate always verified (against `caFile`, or
 * the system's CAs). One short connection per question: sign-ins and re-checks are rare
 * enough, and a connection shared across users would carry one user's bind into another's search.
 */
export class LdapDirectory implements DirectoryClient {
  private readonly tls: ConnectionOptions;
  private readonly password: string;

  constructor(
    private readonly cfg: DirectoryConfig,
    private readonly logger: Logger,
  ) {
    const url = new URL(cfg.url);
    // Checked at load already; again here, so no path builds a client that speaks plain LDAP.
    checkDirectoryConfig(cfg, 'configuration');
    const host = url.hostname.replace(/^\[|\]$/g, '');
    this.tls = { minVersion: 'TLSv1.2', rejectUnauthorized: true, host, ...(isIP(host) ? {} : { servername: host }), ...(cfg.caFile ? { ca: readCa(cfg.caFile) } : {}) };
    this.password = resolveSecretValue(cfg.bindPassword, 'access.directory.bindPassword');
  }

  async find(username: string): Promise<DirectoryEntry | null> {
    return this.session(async (client) => {
      await this.bindService(client);
      let found: Entry[];
      try {
        ({ searchEntries: found } = await client.search(this.cfg.baseDn, { scope: 'sub', filter: fillFilter(this.cfg.userFilter, 'username', username), attributes: ['userAccountControl'], sizeLimit: 2 }));
      } catch (err) {
        if (err instanceof SizeLimitExceededError) found = [{ dn: '' }, { dn: '' }];
        else throw err;
      }
      if (found.length !== 1) {
        if (found.length > 1) this.logger.warn({ filter: this.cfg.userFilter }, 'directory: the user filter finds more than one entry for a name; sign-in refused');
        return null;
      }
      const entry = found[0]!;
      const flags = Number(entry.userAccountControl);
      const { searchEntries: groups } = await client.search(this.cfg.groupBaseDn ?? this.cfg.baseDn, { scope: 'sub', filter: fillFilter(this.cfg.groupFilter, 'dn', entry.dn), attributes: ['1.1'] });
      return { dn: entry.dn, groups: groups.map((g) => g.dn), disabled: Number.isInteger(flags) && (flags & ACCOUNTDISABLE) !== 0 };
    });
  }

  async bind(dn: string, password: string): Promise<boolean> {
    // An empty password would be an unauthenticated bind, which succeeds (RFC 4513 5.1.2).
    if (password === '' || dn === '') return false;
    return this.session(async (client) => {
      try {
        await client.bind(dn, password);
        return true;
      } catch (err) {
        if (err instanceof InvalidCredentialsError) return false;
        throw err;
      }
    });
  }

  private async bindService(client: Client): Promise<void> {
    try {
      await client.bind(this.cfg.bindDn, this.password);
    } catch (err) {
      // The service account refused is the directory unusable, not the user's wrong password.
      if (err instanceof InvalidCredentialsError) throw this.unavailable(new Error(`the service account ${this.cfg.bindDn} was refused`, { cause: err }));
      throw err;
    }
  }

  private async session<T>(fn: (client: Client) => Promise<T>): Promise<T> {
    const ms = this.cfg.timeoutSeconds * 1000;
    // tlsOptions only for ldaps://: given with ldap://, ldapts starts TLS at connect, before StartTLS asks for it.
    const client = new Client({ url: this.cfg.url, timeout: ms, connectTimeout: ms, strictDN: false, ...(this.cfg.startTls ? {} : { tlsOptions: this.tls }) });
    try {
      if (this.cfg.startTls) await client.startTLS({ ...this.tls });
      return await fn(client);
    } catch (err) {
      throw err instanceof SwitchboardError ? err : this.unavailable(err);
    } finally {
      await client.unbind().catch(() => undefined);
    }
  }

  /** The reason goes to the log, not to whoever tried to sign in: it names hosts and certificates. */
  private unavailable(err: unknown): SwitchboardError {
    const reason = err instanceof Error ? err.message : String(err);
    this.logger.warn({ url: this.cfg.url, reason }, 'directory unavailable');
    return new SwitchboardError('SWB_ERR_DIRECTORY_UNAVAILABLE', undefined, undefined, { cause: err });
  }
}

function readCa(file: string): Buffer {
  try {
    return readFileSync(file);
  } catch (err) {
    throw new SwitchboardError('SWB_ERR_CONFIG_INVALID', `access.directory.caFile: got ${JSON.stringify(file)}: ${(err as NodeJS.ErrnoException).code ?? 'unreadable'}, expected a readable PEM file`, { key: 'access.directory.caFile' });
  }
}
