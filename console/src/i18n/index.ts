import { en, type MessageKey } from './en.js';
import { ru } from './ru.js';

export const LOCALES = { en, ru } as const;
export type Locale = keyof typeof LOCALES;
export const LOCALE_NAMES: Record<Locale, string> = { en: 'English', ru: 'Русский' };
/** A preference, not a secret: kept across sessions in this browser. */
const PREF_KEY = 'swb.locale';

export function isLocale(v: unknown): v is Locale {
  return typeof v === 'string' && v in LOCALES;
}

/** The user's choice in this browser, else the first browser language we have, else English. */
export function initialLocale(): Locale {
  const saved = safeStorage()?.getItem(PREF_KEY);
  if (isLocale(saved)) return saved;
  for (const tag of navigator.languages ?? [navigator.language]) {
    const base = tag.toLowerCase().split('-')[0];
    if (isLocale(base)) return base;
  }
  return 'en';
}

export function saveLocale(locale: Locale): void {
  safeStorage()?.setItem(PREF_KEY, locale);
}

function safeStorage(): Storage | null {
  try {
    return window.localStorage;
  } catch {
    return null;
  }
}

export type Translate = (key: MessageKey, params?: Record<string, string | number>) => string;

export function translator(locale: Locale): Translate {
  const cat = LOCALES[locale];
  const num = new Intl.NumberFormat(locale);
  return (key, params) => cat[key].replace(/\{(\w+)\}/g, (_m, name: string) => {
    const v = params?.[name];
    return v === undefined ? '' : typeof v === 'number' ? num.format(v) : v;
  });
}

export type { MessageKey };
