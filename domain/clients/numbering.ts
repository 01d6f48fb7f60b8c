import { normalizePhone } from './identity.js';

export interface NumberingPlan {
  countryCode: string;
  nationalPrefix: string;
}

/**
 * A trunk's caller or called number in E.164, or null when it is not a phone
 * number at all ("anonymous", "restricted", a SIP name). Providers send numbers
 * in whatever form their switch uses: +79123456789, 79123456789, 89123456789
 * (national prefix), 0079123456789. The plan says how to read the last kinds.
 */
export function toE164(raw: string | undefined | null, plan: NumberingPlan): string | null {
  if (!raw) return null;
  let s = decodeURIComponent(raw).trim().replace(/[\s\-().]/g, '');
  if (s.startsWith('tel:')) s = s.slice(4);
  if (!/^\+?[0-9]{3,20}$/.test(s)) return null;
  if (s.startsWith('+')) return tryPhone(s);
  if (s.startsWith('00')) return tryPhone(`+${s.slice(2)}`);
  const { countryCode: cc, nationalPrefix: np } = plan;
  // A national number: the national prefix and then the subscriber number.
  if (np && s.startsWith(np) && s.length - np.length >= 7 && !(s.startsWith(cc) && s.length >= 11)) return tryPhone(`+${cc}${s.slice(np.length)}`);
  if (s.length >= 10) return tryPhone(`+${s}`);
  return null;
}

function tryPhone(s: string): string | null {
  try {
    return normalizePhone(s);
  } catch {
    return null;
  }
}
