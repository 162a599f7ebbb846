// The upload panel: choose how the file names its columns (recognised from the header by default, or a preset or
// a team's mapping from the app's list), choose or drop a CSV, watch it upload, see what was accepted and rejected
// and which columns were read, ignored or dropped, wait for the tickets to be scored, rebuild the marts and the
// site, then follow a link to the refreshed Overview.
//
// Everything that comes from the file or the server (names, values, reasons, messages) is put into the page as
// text: through htl's interpolation (which makes text nodes) or textContent, never as HTML.

import { html } from "htl";
import { el } from "./dom.js";
import { formatCount } from "./format.js";

const POLL_MS = 1000;
const POLL_RETRIES = 5;

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function parseJson(text) {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

/** A server's reason for a failure: its `{error}` message, or the status line. */
function reasonOf(status, body, statusText) {
  const message = body && typeof body.error === "string" ? body.error : statusText || "no message";
  return `${status}: ${message}`;
}

/** POSTs a File as the request body with XMLHttpRequest (for upload progress). Resolves with status and JSON. */
function postFile(url, file, onProgress) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open("POST", url);
    xhr.setRequestHeader("Content-Type", "text/csv");
    // A header value must be plain text: a name outside printable ASCII is sent percent-encoded instead.
    xhr.setRequestHeader("X-Filename", /^[\x20-\x7e]*$/.test(file.name) ? file.name : encodeURIComponent(file.name));
    xhr.upload.onprogress = (event) => onProgress(event.loaded, event.lengthComputable ? event.total : file.size);
    xhr.onload = () => resolve({ status: xhr.status, statusText: xhr.statusText, body: parseJson(xhr.responseText) });
    xhr.onerror = () => reject(new Error("the upload did not reach the server (network error)"));
    xhr.onabort = () => reject(new Error("the upload was cancelled"));
    xhr.send(file);
  });
}

/** A small table; every cell is text. */
function table(id, headers, rows) {
  const head = headers.map((h) => html`<th>${h}</th>`);
  const body = rows.map((row) =>
    html`<tr>${row.map((cell) => html`<td>${cell == null ? "" : String(cell)}</td>`)}</tr>`
  );
  return el`
    <div class="upload-table">
      <table id=${id}>
        <thead>
          <tr>${head}</tr>
        </thead>
        <tbody>${body}</tbody>
      </table>
    </div>
  `;
}

/** Which mapping read the header, and the columns it found missing, ignored and dropped as personal data. */
function columnsNote(upload) {
  const list = (names) => (Array.isArray(names) ? names.map(String).join(", ") : "");
  const chosen = upload.mapping?.chosen === "requested" ? "as chosen" : "recognised from the header";
  const line = (id, label, names) =>
    Array.isArray(names) && names.length > 0 ? html`<p id=${id}>${label}: ${list(names)}.</p>` : "";
  return html`<div id="upload-columns">
    <p id="upload-mapping-used">Columns read as <strong>${String(upload.mapping?.name ?? "?")}</strong> (${chosen}).</p>
    ${
    line("upload-missing", "Not in this file, stored empty", upload.missing_columns?.map((c) => c.replace(/_/g, " ")))
  }
    ${line("upload-personal", "Personal data dropped, never stored", upload.personal_columns_dropped)}
    ${line("upload-ignored", "Ignored columns", upload.ignored_columns)}
  </div>`;
}

/** How dates were read: day-first or month-first, where that came from, and the evidence. */
function dateOrderNote(dateOrder) {
  if (!dateOrder) return "";
  const { order = "?", source = "", evidence } = dateOrder;
  // Evidence is a sentence, or counts of dates that only one order can read ({DMY: 3, MDY: 0}).
  const names = { DMY: "day-first", MDY: "month-first" };
  const why = evidence && typeof evidence === "object"
    ? ": " + Object.entries(evidence).map(([k, v]) => `${formatCount(Number(v))} dates could only be ${names[k] ?? k}`)
      .join(", ")
    : evidence
    ? `: ${evidence}`
    : "";
  return html`<p id="upload-date-order">Dates read as <strong>${String(order)}</strong> (${String(source)})${why}.</p>`;
}

/** Columns with unreadable values that were kept as empty. */
function warningsTable(warnings) {
  const entries = Object.entries(warnings ?? {});
  if (entries.length === 0) return "";
  const rows = entries.map(([column, w]) => {
    const lines = Array.isArray(w?.first_lines) ? w.first_lines.join(", ") : w?.first_lines;
    return [column, formatCount(w?.count), w?.reason, lines];
  });
  return html`<h3>Warnings</h3>
    <p>These values could not be read and were stored as empty; the rows were kept.</p>
    ${table("upload-warnings", ["Column", "Rows", "Reason", "First lines"], rows)}`;
}

/** Ticket ids the file held more than once: the later row replaced the earlier. */
function duplicatesTable(duplicates) {
  if (!duplicates || !(duplicates.count > 0)) return "";
  const listed = Array.isArray(duplicates.first_lines) ? duplicates.first_lines : [];
  const some = listed.length < duplicates.count
    ? html`<p>The first ${formatCount(listed.length)} of ${formatCount(duplicates.count)} repeats.</p>`
    : "";
  return html`<h3>Repeated ticket ids</h3>
    <p>These rows repeat a ticket id seen earlier in the file; the later row replaced the earlier one.</p>
    ${some}${table("upload-duplicates", ["Line", "Ticket ID"], listed.map((d) => [d.line, d.ticket_id]))}`;
}

/** Rejected lines, as many as the server listed. */
function rejectedTable(errors, rejected) {
  if (!Array.isArray(errors) || errors.length === 0) return "";
  const rows = errors.map((e) => [e.line, e.column, e.value, e.reason]);
  const some = errors.length < rejected
    ? html`<p>The first ${formatCount(errors.length)} of ${formatCount(rejected)} rejected lines.</p>`
    : "";
  return html`<h3>Rejected lines</h3>${some}${table("upload-rejected", ["Line", "Column", "Value", "Reason"], rows)}`;
}

/** What the server said about an upload: counts, date order, warnings per column, rejected lines. */
function uploadSummary(upload, fileName) {
  const count = (id, label, n) =>
    el`
      <div>
        <dt>${label}</dt>
        <dd id=${id}>${formatCount(n)}</dd>
      </div>
    `;
  return html`<section class="upload-summary">
    <h2>${fileName}</h2>
    <dl id="upload-counts" class="upload-counts">
      ${count("upload-received", "Received", upload.received)}
      ${count("upload-accepted", "Accepted", upload.accepted)}
      ${count("upload-rejected-count", "Rejected", upload.rejected)}
      ${upload.duplicates?.count > 0 ? count("upload-tickets", "Distinct tickets", upload.tickets) : ""}
    </dl>
    <p class="muted">Upload <code id="upload-id">${String(upload.upload_id ?? "")}</code></p>
    ${columnsNote(upload)}
    ${dateOrderNote(upload.date_order)}
    ${warningsTable(upload.warnings)}
    ${duplicatesTable(upload.duplicates)}
    ${rejectedTable(upload.errors, upload.rejected)}
  </section>`;
}

/**
 * The upload panel.
 *
 * @param {object} [options]
 * @param {string} [options.uploads] where uploads are POSTed (and `/<id>` polled).
 * @param {string} [options.mappings] the list of column mappings to choose from.
 * @param {string} [options.refresh] what to POST to rebuild the marts and the site.
 * @param {string} [options.overview] the link to the refreshed Overview.
 */
export function uploadPanel(
  { uploads = "/api/uploads", mappings = "/api/mappings", refresh = "/api/marts/refresh", overview = "./" } = {},
) {
  const option = (value, text) => Object.assign(document.createElement("option"), { value, textContent: text });
  const mapping = Object.assign(document.createElement("select"), { id: "upload-mapping", name: "mapping" });
  mapping.append(option("", "Recognise the export from its header"));
  const chooser = html`<p class="upload-mapping"><label for="upload-mapping">Columns</label> ${mapping}</p>`;
  // The presets and the teams' saved mappings; without the list, recognition from the header still works.
  fetch(mappings, { headers: { Accept: "application/json" }, cache: "no-store" })
    .then((response) => (response.ok ? response.json() : { rows: [] }))
    .then((body) => {
      for (const m of body?.rows ?? []) mapping.append(option(String(m.name), `${m.name}: ${m.description ?? ""}`));
    })
    .catch(() => {});
  const input = html`<input type="file" id="upload-file" name="file" accept=".csv,text/csv">`;
  const drop = html`<label class="upload-drop" id="upload-drop">
    <span><strong>Drop a CSV file here</strong> or choose one:</span>
    ${input}
  </label>`;
  const progress =
    html`<progress id="upload-progress" max="1" value="0" aria-label="Upload progress" hidden></progress>`;
  const status = html`<p id="upload-status" role="status" aria-live="polite"></p>`;
  const error = html`<p id="upload-error" class="upload-error" role="alert" hidden></p>`;
  const result = html`<div id="upload-result"></div>`;
  const done = html`<p id="upload-done" hidden></p>`;
  let busy = false;

  const say = (text) => (status.textContent = text);
  const fail = (text) => {
    error.textContent = text;
    error.hidden = false;
  };

  let deadLettered = 0;

  async function waitForScoring(upload) {
    const url = `${uploads}/${encodeURIComponent(upload.upload_id)}`;
    let failures = 0;
    for (;;) {
      let response, body;
      try {
        response = await fetch(url, { headers: { Accept: "application/json" }, cache: "no-store" });
        body = parseJson(await response.text());
      } catch (e) {
        if (++failures > POLL_RETRIES) throw new Error(`lost contact with the server while scoring: ${e.message}`);
        await sleep(POLL_MS * failures);
        continue;
      }
      if (!response.ok) {
        throw new Error(`could not follow the upload (${reasonOf(response.status, body, response.statusText)})`);
      }
      failures = 0;
      // A ticket id repeated in the file is one ticket: wait for the distinct ones.
      // A ticket the scorer or the store could not use is dead-lettered (the server log says why): accounted for.
      const scored = Number(body?.scored ?? 0), dead = Number(body?.dead_lettered ?? 0);
      const expected = Number(body?.tickets ?? upload.tickets ?? body?.accepted ?? upload.accepted);
      progress.value = expected > 0 ? Math.min(1, (scored + dead) / expected) : 1;
      say(
        `Scoring: ${formatCount(scored)} of ${formatCount(expected)} tickets scored` +
          (dead > 0 ? `; ${formatCount(dead)} could not be scored or stored (dead-lettered).` : "."),
      );
      if (body?.status === "failed") throw new Error(`the upload failed: ${body.failure ?? "no reason given"}`);
      if (scored + dead >= expected) {
        deadLettered = dead;
        return;
      }
      await sleep(POLL_MS);
    }
  }

  async function rebuild() {
    say("All tickets scored. Rebuilding the marts and the site…");
    progress.removeAttribute("value"); // indeterminate while the server works
    const response = await fetch(refresh, { method: "POST", headers: { Accept: "application/json" } });
    const body = parseJson(await response.text());
    if (!response.ok) {
      throw new Error(`the marts and site were not rebuilt (${reasonOf(response.status, body, response.statusText)})`);
    }
    progress.value = 1;
    say(
      "Done: the marts and the site are rebuilt." +
        (deadLettered > 0
          ? ` ${formatCount(deadLettered)} ticket(s) could not be scored or stored; the server log says why.`
          : ""),
    );
    done.replaceChildren(html`<a id="upload-overview-link" href=${overview}>See the refreshed Overview →</a>`);
    done.hidden = false;
  }

  async function start(file) {
    if (busy) return fail("An upload is already running; wait for it to finish.");
    busy = true;
    input.disabled = true;
    mapping.disabled = true;
    error.hidden = true;
    done.hidden = true;
    result.replaceChildren();
    progress.hidden = false;
    progress.value = 0;
    say(`Uploading ${file.name}…`);
    try {
      const url = mapping.value ? `${uploads}?mapping=${encodeURIComponent(mapping.value)}` : uploads;
      const response = await postFile(url, file, (loaded, total) => {
        progress.value = total > 0 ? loaded / total : 0;
        const kib = (bytes) => formatCount(Math.round(bytes / 1024));
        say(`Uploading ${file.name}: ${kib(loaded)} of ${kib(total)} KiB`);
      });
      if (response.status < 200 || response.status >= 300) {
        say(`The upload of ${file.name} was refused.`);
        return fail(`Upload refused (${reasonOf(response.status, response.body, response.statusText)})`);
      }
      const upload = response.body ?? {};
      result.replaceChildren(uploadSummary(upload, file.name));
      if (!(upload.accepted > 0)) {
        progress.value = 1;
        return say("No ticket was accepted, so there is nothing to score.");
      }
      await waitForScoring(upload);
      await rebuild();
    } catch (e) {
      fail(`Error: ${e.message}`);
    } finally {
      busy = false;
      input.disabled = false;
      mapping.disabled = false;
      input.value = "";
    }
  }

  input.addEventListener("change", () => input.files?.[0] && start(input.files[0]));
  drop.addEventListener("dragover", (event) => {
    event.preventDefault();
    drop.classList.add("upload-drop--over");
  });
  drop.addEventListener("dragleave", () => drop.classList.remove("upload-drop--over"));
  drop.addEventListener("drop", (event) => {
    event.preventDefault();
    drop.classList.remove("upload-drop--over");
    const file = event.dataTransfer?.files?.[0];
    if (file) start(file);
  });

  return html`<div class="upload">${chooser}${drop}${progress}${status}${error}${done}${result}</div>`;
}
