import { t } from "../i18n";

/** Placeholder rows of the final row height, so arriving data shifts nothing. */
export function Skeleton({ rows, height = "2.5rem" }: { rows: number; height?: string }) {
  return (
    <div class="skeleton" aria-hidden="true">
      {Array.from({ length: Math.max(rows, 1) }, (_, i) => <div key={i} style={{ height }} />)}
    </div>
  );
}

export function Failure({ message }: { message: string }) {
  return <p class="failure" role="alert">{t("error", { message })}</p>;
}
