import type { Locale } from './i18n/index.js';

/** Dates, times, durations and counts in the reader's locale (Intl only: no date library). */
export interface Formats {
  dateTime(iso: string): string;
  time(iso: string): string;
  /** "5 minutes" style: how long ago something started, for waiting times. */
  since(iso: string, now?: number): string;
  duration(seconds: number): string;
}

export function formats(locale: Locale): Formats {
  const dt = new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short' });
  const tm = new Intl.DateTimeFormat(locale, { hour: '2-digit', minute: '2-digit' });
  const today = new Intl.DateTimeFormat(locale, { year: 'numeric', month: '2-digit', day: '2-digit' });
  const units = (unit: 'second' | 'minute' | 'hour' | 'day') => new Intl.NumberFormat(locale, { style: 'unit', unit, unitDisplay: 'short' });
  const sec = units('second');
  const min = units('minute');
  const hour = units('hour');
  const day = units('day');
  const span = (s: number): string => {
    if (s < 60) return sec.format(Math.max(0, Math.round(s)));
    if (s < 3600) return min.format(Math.floor(s / 60));
    if (s < 86_400) return hour.format(Math.floor(s / 3600));
    return day.format(Math.floor(s / 86_400));
  };
  return {
    dateTime: (iso) => {
      const d = new Date(iso);
      return today.format(d) === today.format(new Date()) ? tm.format(d) : dt.format(d);
    },
    time: (iso) => tm.format(new Date(iso)),
    since: (iso, now = Date.now()) => span((now - Date.parse(iso)) / 1000),
    duration: (seconds) => {
      const m = Math.floor(seconds / 60);
      const s = Math.round(seconds % 60);
      return m > 0 ? `${min.format(m)} ${sec.format(s)}` : sec.format(s);
    },
  };
}
