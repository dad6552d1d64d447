// English and Simplified Chinese. Numbers, money and times go through Intl with the
// viewer's locale and the store's (or the scope's) time zone.
import { signal } from "@preact/signals";
import { en } from "./locales/en";
import { zh } from "./locales/zh";

export type Lang = "en" | "zh-CN";
export type Key = keyof typeof en;
const tables: Record<Lang, Record<Key, string>> = { en, "zh-CN": zh };

const LANG_KEY = "canopy.lang";
export const lang = signal<Lang>((sessionStorage.getItem(LANG_KEY) as Lang) || "en");
export const timeZone = signal<string | undefined>(undefined);

/** The staff member's locale from `me` picks the language unless they switched. */
export function langFor(locale: string | null | undefined): Lang {
  return locale?.toLowerCase().startsWith("zh") ? "zh-CN" : "en";
}

export function setLang(l: Lang, remember = true): void {
  lang.value = l;
  document.documentElement.lang = l;
  if (remember) sessionStorage.setItem(LANG_KEY, l);
}
export const chosenLang = (): Lang | null => sessionStorage.getItem(LANG_KEY) as Lang | null;

export function t(key: Key, params?: Record<string, string | number>): string {
  let s = tables[lang.value][key] ?? en[key];
  for (const [k, v] of Object.entries(params ?? {})) s = s.replace(`{${k}}`, String(v));
  return s;
}

const locale = () => (lang.value === "zh-CN" ? "zh-CN" : "en-GB");

export const fmtNumber = (n: number | string) => new Intl.NumberFormat(locale()).format(Number(n));

export const fmtMoney = (m: { amount: string; currency: string }) =>
  new Intl.NumberFormat(locale(), { style: "currency", currency: m.currency }).format(Number(m.amount));

export function fmtTime(iso: string, tz?: string | null): string {
  return new Intl.DateTimeFormat(locale(), {
    dateStyle: "medium", timeStyle: "short", timeZone: tz || timeZone.value,
  }).format(new Date(iso));
}

export const fmtDate = (iso: string) =>
  new Intl.DateTimeFormat(locale(), { year: "numeric", month: "short", timeZone: "UTC" }).format(new Date(iso));

/** Enum values (roles, statuses, kinds...) shown in the viewer's language. */
export function label(value: string): string {
  const key = `enum.${value}` as Key;
  return tables[lang.value][key] ?? en[key] ?? value;
}
