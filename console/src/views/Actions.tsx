// Customer actions. A payload error shows next to the field it names; the mutation changed
// nothing then, so the form keeps what was typed.
import { useState } from "preact/hooks";
import { request, type UserError } from "../api";
import { AdjustPoints, LogInteraction, OpenTicket } from "../operations";
import type { InteractionKind, TicketPriority } from "../gql/graphql";
import { fmtNumber, label, t, type Key } from "../i18n";
import { FieldError, errorsByField, type Errors } from "./forms";

function useForm<F extends Record<string, string>>(initial: F, fields: string[]) {
  const [values, setValues] = useState<F>(initial);
  const [errors, setErrors] = useState<Errors>({});
  const [done, setDone] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const bind = (k: keyof F & string) => ({
    name: k, value: values[k], "aria-invalid": Boolean(errors[k]), "aria-describedby": `${k}-${fields.join("")}-err`,
    onInput: (e: Event) => setValues({ ...values, [k]: (e.target as HTMLInputElement).value }),
  });
  async function submit(e: Event, send: () => Promise<{ errors: readonly UserError[]; ok: string | null }>, reset: F) {
    e.preventDefault();
    setBusy(true); setErrors({}); setDone(null);
    try {
      const r = await send();
      if (r.errors.length) setErrors(errorsByField(r.errors, fields));
      else { setValues(reset); setDone(r.ok); }
    } catch (err) {
      setErrors({ "": (err as Error).message });
    } finally {
      setBusy(false);
    }
  }
  const err = (k: string) => <FieldError id={`${k}-${fields.join("")}-err`} errors={errors} field={k} />;
  return { values, bind, submit, err, done, busy };
}

// crypto.randomUUID needs a secure context; getRandomValues does not (plain http on a LAN).
const randomKey = () => Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, "0")).join("");

const KINDS: InteractionKind[] = ["CALL", "VISIT", "MESSAGE", "EMAIL", "NOTE"];
const PRIORITIES: TicketPriority[] = ["LOW", "NORMAL", "HIGH", "URGENT"];

export function LogInteractionForm({ customerId, onDone }: { customerId: string; onDone: () => void }) {
  const init = { kind: "CALL", summary: "" };
  const f = useForm(init, ["kind", "summary"]);
  return (
    <form class="action" aria-labelledby="log-title" onSubmit={(e) => f.submit(e, async () => {
      const { logInteraction: r } = await request(LogInteraction, {
        input: { customerId, kind: f.values.kind as InteractionKind, summary: f.values.summary, channel: "web" },
      });
      if (r.interaction) onDone();
      return { errors: r.errors, ok: t("act.logged") };
    }, init)}>
      <h2 id="log-title">{t("act.log")}</h2>
      <label>{t("act.kind")}
        <select {...f.bind("kind")} onChange={f.bind("kind").onInput}>
          {KINDS.map((k) => <option key={k} value={k}>{label(k)}</option>)}
        </select>
      </label>
      {f.err("kind")}
      <label>{t("act.summary")}<textarea rows={2} {...f.bind("summary")} /></label>
      {f.err("summary")}
      {f.err("")}
      <button type="submit" disabled={f.busy}>{t("act.logSubmit")}</button>
      <p class="done" role="status">{f.done ?? ""}</p>
    </form>
  );
}

export function OpenTicketForm({ customerId, onDone }: { customerId: string; onDone: () => void }) {
  const init = { subject: "", description: "", priority: "NORMAL" };
  const f = useForm(init, ["subject", "description", "priority"]);
  return (
    <form class="action" aria-labelledby="ticket-title" onSubmit={(e) => f.submit(e, async () => {
      const { openTicket: r } = await request(OpenTicket, {
        input: { customerId, subject: f.values.subject, description: f.values.description, priority: f.values.priority as TicketPriority },
      });
      if (r.ticket) onDone();
      return { errors: r.errors, ok: r.ticket ? t("act.opened", { number: r.ticket.number }) : null };
    }, init)}>
      <h2 id="ticket-title">{t("act.ticket")}</h2>
      <label>{t("act.subject")}<input {...f.bind("subject")} /></label>
      {f.err("subject")}
      <label>{t("act.description")}<textarea rows={2} {...f.bind("description")} /></label>
      {f.err("description")}
      <label>{t("act.priority")}
        <select {...f.bind("priority")} onChange={f.bind("priority").onInput}>
          {PRIORITIES.map((k) => <option key={k} value={k}>{label(k)}</option>)}
        </select>
      </label>
      {f.err("priority")}
      {f.err("")}
      <button type="submit" disabled={f.busy}>{t("act.ticketSubmit")}</button>
      <p class="done" role="status">{f.done ?? ""}</p>
    </form>
  );
}

export function AdjustPointsForm({ membershipId, onDone }: { membershipId: string | null; onDone: () => void }) {
  const init = { delta: "", reason: "" };
  const f = useForm(init, ["delta", "reason"]);
  return (
    <form class="action" aria-labelledby="points-title" onSubmit={(e) => f.submit(e, async () => {
      if (!membershipId) return { errors: [], ok: null };
      const delta = Number(f.values.delta);
      if (!Number.isInteger(delta)) {
        return { errors: [{ field: ["delta"], code: "INVALID", message: t("act.integer" as Key) }], ok: null };
      }
      const { adjustPoints: r } = await request(AdjustPoints, {
        input: { membershipId, delta, reason: f.values.reason, idempotencyKey: randomKey() },
      });
      if (r.membership) onDone();
      return { errors: r.errors, ok: r.membership ? t("act.adjusted", { balance: fmtNumber(r.membership.pointsBalance) }) : null };
    }, init)}>
      <h2 id="points-title">{t("act.points")}</h2>
      <label>{t("act.delta")}<input inputMode="numeric" {...f.bind("delta")} /></label>
      {f.err("delta")}
      <label>{t("act.reason")}<input {...f.bind("reason")} /></label>
      {f.err("reason")}
      {f.err("")}
      <button type="submit" disabled={f.busy || !membershipId}>{t("act.pointsSubmit")}</button>
      <p class="done" role="status">{f.done ?? ""}</p>
    </form>
  );
}
