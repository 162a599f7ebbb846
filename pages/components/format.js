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

/** Milliseconds → "45 min", "3 h", "2 days". */
export function formatAge(ms) {
  if (!Number.isFinite(ms)) return "–";
  const minutes = Math.max(0, Math.round(ms / 60_000));
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.round(minutes / 60);
  if (hours < 48) return `${hours} h`;
  return `${count.format(Math.round(hours / 24))} days`;
}

/** "Pending Customer Response" → "Pending Custo…": at most `max` characters (for axis labels on narrow screens). */
export function truncate(text, max) {
  const s = String(text ?? "");
  return s.length > max ? `${s.slice(0, Math.max(1, max - 1))}…` : s;
}

/**
 * Room for category names on a horizontal bar chart `width` px wide: the longest name shown whole (up to a limit
 * that shrinks on narrow screens, longer ones are cut with "…"; tips show them whole), and the left margin that
 * fits the names plus the rotated axis label.
 */
export function categoryAxis(names, width, { label = true } = {}) {
  const maxChars = width < 520 ? 15 : 50;
  const longest = Math.max(1, ...names.map((n) => String(n ?? "").length));
  const chars = Math.min(longest, maxChars);
  return {
    tickFormat: (d) => truncate(d, maxChars),
    marginLeft: Math.ceil(chars * 6.6) + (label ? 24 : 10),
  };
}
