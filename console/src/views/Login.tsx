import { useState } from "preact/hooks";
import { request } from "../api";
import { Login as LoginMutation } from "../operations";
import { lang, setLang, t, type Lang } from "../i18n";
import { FieldError, errorsByField, type Errors } from "./forms";

export function Login({ onToken }: { onToken: (token: string) => Promise<void> }) {
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [errors, setErrors] = useState<Errors>({});
  const [busy, setBusy] = useState(false);

  async function submit(e: Event) {
    e.preventDefault();
    setBusy(true);
    setErrors({});
    try {
      const { login } = await request(LoginMutation, { input: { email, password } });
      if (login.token) await onToken(login.token);
      else setErrors(errorsByField(login.errors));
    } catch (err) {
      setErrors({ "": String((err as Error).message) });
    } finally {
      setBusy(false);
    }
  }

  return (
    <main class="login">
      <form onSubmit={submit} aria-labelledby="login-title">
        <h1 id="login-title">{t("login.title")}</h1>
        <label>{t("login.email")}
          <input name="email" type="email" autoComplete="username" required value={email}
            aria-invalid={Boolean(errors.email)} aria-describedby="err-email"
            onInput={(e) => setEmail((e.target as HTMLInputElement).value)} />
        </label>
        <FieldError id="err-email" errors={errors} field="email" />
        <label>{t("login.password")}
          <input name="password" type="password" autoComplete="current-password" required value={password}
            aria-invalid={Boolean(errors.password)} aria-describedby="err-password"
            onInput={(e) => setPassword((e.target as HTMLInputElement).value)} />
        </label>
        <FieldError id="err-password" errors={errors} field="password" />
        <FieldError id="err-login" errors={errors} field="" />
        <button type="submit" disabled={busy}>{t("login.submit")}</button>
        <label class="lang">{t("language")}
          <select value={lang.value} onChange={(e) => setLang((e.target as HTMLSelectElement).value as Lang)}>
            <option value="en">English</option>
            <option value="zh-CN">简体中文</option>
          </select>
        </label>
      </form>
    </main>
  );
}
