// Payload errors next to the field they name: UserError.field[0] is the input's field;
// errors without a field (or naming one the form lacks) show at the form's end under "".
import type { UserError } from "../api";

export type Errors = Record<string, string>;

export function errorsByField(errors: readonly UserError[], fields?: readonly string[]): Errors {
  const out: Errors = {};
  for (const e of errors) {
    let key = e.field?.[0] ?? "";
    if (fields && !fields.includes(key)) key = "";
    out[key] = out[key] ? `${out[key]}; ${e.message}` : e.message;
  }
  return out;
}

export function FieldError({ id, errors, field }: { id: string; errors: Errors; field: string }) {
  const message = errors[field];
  return <p id={id} class="field-error" role={message ? "alert" : undefined}>{message ?? ""}</p>;
}
