// The triage queue as a table an agent works from the keyboard: move through tickets, open one, set its priority,
// mark it reviewed (the agent confirms the predicted priority), jump to the filters. Every change is saved at once
// (PUT /api/tickets/:id/priority) and announced to assistive technology in a live region. Uploaded text is only
// ever inserted as text.

import { el } from "./dom.js";
import { formatAge, formatPercent } from "./format.js";
import { PRIORITY_DOMAIN, PRIORITY_RANGE } from "./priority.js";

/**
 * `text` with the words of the explanation's terms marked (`<mark>`), every part inserted as text; "–" for none.
 * @param {string | null | undefined} text
 * @param {{term: string}[] | undefined} terms
 */
function highlighted(text, terms) {
  if (!text) return "–";
  const words = [...new Set((terms ?? []).flatMap((t) => t.term.toLowerCase().split(" ")))];
  if (words.length === 0) return text;
  const escaped = words.map((w) => w.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"));
  const pattern = new RegExp(`(?<![\\p{L}\\p{N}'])(${escaped.join("|")})(?![\\p{L}\\p{N}'])`, "giu");
  const out = document.createDocumentFragment();
  let at = 0;
  for (const match of text.matchAll(pattern)) {
    out.append(text.slice(at, match.index));
    const mark = document.createElement("mark");
    mark.textContent = match[0];
    out.append(mark);
    at = match.index + match[0].length;
  }
  out.append(text.slice(at));
  return out;
}

/** The explanation in words: the terms behind the prediction, strongest first, and what else counted. */
function reasons(why) {
  if (!why) return "–";
  const terms = why.terms.map((t) => `“${t.term}” +${t.weight.toFixed(2)}`).join(", ");
  return `${terms || "no word of the ticket"}; everything else ${why.other.weight >= 0 ? "+" : ""}${
    why.other.weight.toFixed(2)
  } (the model ${why.model_version})`;
}

/** Similar tickets the details list. */
const SIMILAR_SHOWN = 5;

/**
 * The tickets most like this one (GET /api/tickets/:id/similar): how alike, what they were labelled and predicted,
 * their subjects as text; "–" for none.
 */
function similarList(rows) {
  if (!rows?.length) return rows ? "none stored" : "–";
  return el`<ol class="similar">${
    rows.map((r) =>
      el`<li><span class="similar-id">${r.ticket_id}</span> ${formatPercent(r.similarity)} alike: ${
        r.ticket_subject ?? "no subject"
      } (label ${r.priority_label ?? "none"}, predicted ${r.priority_pred})</li>`
    )
  }</ol>`;
}

/** The keys, as the page lists them (the `?` key opens the list). */
export const QUEUE_KEYS = [
  ["↓ or j", "next ticket"],
  ["↑ or k", "previous ticket"],
  ["Home / End", "first / last ticket"],
  ["Enter or o", "open or close the ticket's details"],
  ["1 2 3 4", `set the priority to ${PRIORITY_DOMAIN.join(", ")}`],
  ["r", "mark reviewed: the predicted priority is right"],
  ["f", "go to the filters"],
  ["/", "go to the search box"],
  ["?", "show or hide these keys"],
  ["Esc", "close the details or this list"],
];

const COLUMNS = [
  ["ticket_id", "Ticket"],
  ["priority_pred", "Predicted priority"],
  ["confidence", "Confidence"],
  ["needs_review", "Review"],
  ["priority_label", "Set priority"],
  ["ingested_at", "Age"],
  ["ticket_subject", "Subject"],
  ["product_purchased", "Product"],
  ["ticket_type", "Type"],
  ["ticket_channel", "Channel"],
  ["language", "Language"],
  ["ticket_status", "Status"],
];

/** A coloured swatch and the priority's name, as text (colour is never the only carrier of meaning). */
function priorityCell(priority) {
  const color = PRIORITY_RANGE[PRIORITY_DOMAIN.indexOf(priority)] ?? "transparent";
  return el`<span class="priority"><span class="swatch" style="background: ${color}"></span>${priority}</span>`;
}

/**
 * The queue's table and the live region announcing what happens in it.
 * @param {object[]} rows the queue's rows (GET /api/queue)
 * @param {{filters: () => HTMLElement | null, search: () => HTMLElement | null, invalidation: Promise<void>}} page
 *   where `f` and `/` go, and the page's `invalidation` (the table is replaced when the filters change)
 */
export function queueTable(rows, page) {
  const now = Date.now();
  const announcer = el`<p class="sr-only" role="status" aria-live="polite" id="queue-announce"></p>`;
  const announce = (text) => {
    // Cleared first, so the same words said twice are read twice.
    announcer.textContent = "";
    setTimeout(() => (announcer.textContent = text), 50);
  };

  const save = async (row, priority, cell) => {
    cell.status.textContent = "saving…";
    try {
      const response = await fetch(`/api/tickets/${encodeURIComponent(row.ticket_id)}/priority`, {
        method: "PUT",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ priority }),
      });
      const answer = await response.json();
      if (!response.ok) throw new Error(answer.error ?? `error ${response.status}`);
      row.priority_label = answer.priority_label;
      row.label_source = answer.label_source;
      cell.select.value = answer.priority_label;
      cell.status.textContent = `saved: ${answer.priority_label}`;
      announce(`Ticket ${row.ticket_id}: priority ${answer.priority_label}, saved.`);
    } catch (error) {
      cell.status.textContent = `not saved: ${error.message}`;
      announce(`Ticket ${row.ticket_id}: not saved, ${error.message}`);
    }
  };

  const body = el`<tbody></tbody>`;
  const trs = rows.map((row, index) => {
    const select = el`<select aria-label="Set the priority of ticket ${row.ticket_id}" tabindex="-1">
      <option value="" disabled selected=${row.priority_label == null}>–</option>
      ${PRIORITY_DOMAIN.map((p) => el`<option value=${p} selected=${row.priority_label === p}>${p}</option>`)}
    </select>`;
    const cell = {
      select,
      status: el`<span class="label-status">${row.label_source === "agent" ? "set by an agent" : ""}</span>`,
    };
    select.onchange = () => save(row, select.value, cell);
    const tr = el`
      <tr tabindex=${index === 0 ? 0 : -1} aria-rowindex=${index + 2}>
        <th scope="row">${row.ticket_id}</th>
        <td>${priorityCell(row.priority_pred)}</td>
        <td>${formatPercent(row.confidence)}</td>
        <td>${row.needs_review ? el`<strong class="review">needs review</strong>` : "assigned"}</td>
        <td><span class="label-cell">${select}${cell.status}</span></td>
        <td>${formatAge(now - Date.parse(row.ingested_at))}</td>
        <td>${row.ticket_subject ?? "–"}</td>
        <td>${row.product_purchased ?? "–"}</td>
        <td>${row.ticket_type ?? "–"}</td>
        <td>${row.ticket_channel ?? "–"}</td>
        <td>${row.language ?? "–"}</td>
        <td>${row.ticket_status ?? "–"}</td>
      </tr>
    `;
    Object.assign(tr, { row, cell });
    body.append(tr);
    return tr;
  });

  const details = (tr) => tr.nextElementSibling?.classList.contains("queue-details") ? tr.nextElementSibling : null;
  const toggleDetails = async (tr) => {
    const open = details(tr);
    if (open) {
      open.remove();
      tr.setAttribute("aria-expanded", "false");
      announce(`Ticket ${tr.row.ticket_id}: details closed.`);
      return;
    }
    const path = `/api/tickets/${encodeURIComponent(tr.row.ticket_id)}`;
    const [response, alike] = await Promise.all([fetch(path), fetch(`${path}/similar?limit=${SIMILAR_SHOWN}`)]);
    const ticket = response.ok ? await response.json() : null;
    const similar = alike.ok ? (await alike.json()).rows : null;
    const p = ticket?.probabilities ?? {};
    const why = ticket?.explanation;
    const facts = ticket == null ? [["Ticket", `not found (${response.status})`]] : [
      ["Subject", highlighted(ticket.ticket_subject, why?.terms)],
      ["Description", highlighted(ticket.ticket_description, why?.terms)],
      ["Why " + (why?.predicted ?? "this priority"), reasons(why)],
      ["Probabilities", PRIORITY_DOMAIN.map((name) => `${name} ${formatPercent(p[name])}`).join(", ")],
      ["Model", ticket.model_version ?? "–"],
      ["Similar tickets", similarList(similar)],
      ["Language, sentiment", `${ticket.language ?? "unknown"}, ${ticket.sentiment?.toFixed(2) ?? "–"}`],
      ["Label", ticket.priority_label ? `${ticket.priority_label} (${ticket.label_source ?? "upload"})` : "none yet"],
      ["Purchased, came in", `${ticket.date_of_purchase ?? "–"}, ${ticket.ingested_at ?? "–"}`],
    ];
    const row = el`<tr class="queue-details"><td colspan=${COLUMNS.length}><dl>${
      facts.map(([term, value]) => el`<div><dt>${term}</dt><dd>${value}</dd></div>`)
    }</dl></td></tr>`;
    tr.after(row);
    tr.setAttribute("aria-expanded", "true");
    announce(`Ticket ${tr.row.ticket_id}: details open below the row.`);
  };

  const moveTo = (tr) => {
    if (!tr) return;
    for (const other of trs) other.tabIndex = other === tr ? 0 : -1;
    tr.focus();
  };

  const help = el`<div class="queue-keys" id="queue-keys" hidden><h2>Keys in the queue</h2><dl>${
    QUEUE_KEYS.map(([key, what]) => el`<div><dt><kbd>${key}</kbd></dt><dd>${what}</dd></div>`)
  }</dl></div>`;
  const toggleHelp = () => {
    help.hidden = !help.hidden;
    announce(help.hidden ? "Keys list closed." : "Keys list open, below the queue's header.");
  };

  const table = el`
    <table class="queue-table" aria-rowcount=${rows.length + 1}
      aria-describedby="queue-keys-hint">
        <caption class="sr-only">Open tickets, the likely urgent first</caption>
        <thead><tr aria-rowindex="1">${COLUMNS.map(([, label]) => el`<th scope="col">${label}</th>`)}</tr></thead>
        ${body}
      </table>
  `;

  table.addEventListener("keydown", (event) => {
    if (event.altKey || event.ctrlKey || event.metaKey) return;
    const tr = event.target.closest?.("tr");
    if (event.target.tagName === "SELECT") {
      // In a select the arrows choose an option; Escape goes back to the row.
      if (event.key === "Escape") moveTo(tr);
      return;
    }
    if (!tr || !trs.includes(tr)) return;
    const at = trs.indexOf(tr);
    const priority = /^[1-4]$/.test(event.key) ? PRIORITY_DOMAIN[Number(event.key) - 1] : undefined;
    let handled = true;
    if (event.key === "ArrowDown" || event.key === "j") moveTo(trs[at + 1]);
    else if (event.key === "ArrowUp" || event.key === "k") moveTo(trs[at - 1]);
    else if (event.key === "Home") moveTo(trs[0]);
    else if (event.key === "End") moveTo(trs.at(-1));
    else if (event.key === "Enter" || event.key === "o") toggleDetails(tr);
    else if (event.key === "Escape" && details(tr)) toggleDetails(tr);
    else if (priority) save(tr.row, priority, tr.cell);
    else if (event.key === "r") save(tr.row, tr.row.priority_pred, tr.cell);
    else handled = false;
    if (handled) event.preventDefault();
  });

  // Keys that work anywhere on the page but in a text field: the keys list and the jumps to the filters.
  const onPageKey = (event) => {
    if (event.altKey || event.ctrlKey || event.metaKey) return;
    if (/^(INPUT|TEXTAREA|SELECT)$/.test(event.target.tagName)) {
      if (event.key === "Escape") event.target.blur?.();
      return;
    }
    if (event.key === "?") toggleHelp();
    else if (event.key === "Escape" && !help.hidden) toggleHelp();
    else if (event.key === "f") page.filters()?.focus();
    else if (event.key === "/") page.search()?.focus();
    else return;
    event.preventDefault();
  };
  document.addEventListener("keydown", onPageKey);
  // The page re-renders the table when the filters change: the previous table's listener goes with it.
  page.invalidation.then(() => document.removeEventListener("keydown", onPageKey));

  const hint = el`<p class="muted" id="queue-keys-hint">Keyboard: focus the first ticket with Tab, then ↓ ↑ to move,
    Enter to open, 1–4 to set a priority, r to mark reviewed; press <kbd>?</kbd> for every key.</p>`;
  const scroller = el`<div class="queue-scroll" role="region" aria-label="Triage queue" tabindex="-1">${table}</div>`;
  return el`<div class="queue">${hint}${help}${scroller}${announcer}</div>`;
}
