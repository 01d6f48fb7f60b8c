export { toE164, type NumberingPlan } from '../domain/clients/numbering.js';

/** Digits a person dialled, without the visual separators some phones keep in the Request-URI. */
export function dialledDigits(user: string | undefined): string {
  return decodeURIComponent(user ?? '').replace(/[\s\-().]/g, '');
}
