import type { Page } from 'playwright-core';
import type { Appliance } from '../../appliance/app.js';
import type { HumanRole } from '../../domain/access/roles.js';
import { totpCode } from '../../domain/access/totp.js';
import { STRONG_PASSWORD } from './appliance.js';
import { signIn } from './console.js';

/**
 * Creates a user of `role` (a TOTP secret when the role needs one) and signs
 * them in to the console through the sign-in form, with their code; resolves
 * once the top bar says who is signed in.
 */
export async function signInAs(page: Page, base: string, app: Appliance, username: string, role: HumanRole, opts: { department?: string | null; extension?: string | null } = {}): Promise<void> {
  const { totpUri } = await app.access.users.create({ username, password: STRONG_PASSWORD, role, department: opts.department ?? null, extension: opts.extension ?? null }, { actor: 'test', source: 'test' });
  const secret = totpUri ? new URL(totpUri).searchParams.get('secret') : null;
  await signIn(page, base, username, STRONG_PASSWORD, secret ? totpCode(secret) : undefined);
  await page.getByText(`Signed in as ${username}`).waitFor();
}
