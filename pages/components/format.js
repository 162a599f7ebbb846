// Number formats shared by the pages (fixed to en-US so the site reads the same in every browser).

const count = new Intl.NumberFormat("en-US");
const percent = new Intl.NumberFormat("en-US", { style: "percent", maximumFractionDigits: 1 });

/** 8469 → "8,469". */
export function formatCount(n) {
  return n == null ? "–" : count.format(n);
}

/** 0.2541 → "25.4%". */
export function formatPercent(x) {
  return x == null ? "–" : percent.format(x);
}

/** An ISO instant → "2023-06-02 10:00 UTC", or "–". */
export function formatInstant(iso) {
  if (!iso) return "–";
  const d = new Date(iso);
  return Number.isNaN(+d) ? String(iso) : `${d.toISOString().slice(0, 16).replace("T", " ")} UTC`;
}
