/**
 * Synthetic labelled tickets for proving that the training pipeline can learn: on the sample exports the human
 * priority carries no signal, so learnability is tested on tickets whose priority is a function of their fields
 * ({@linkcode syntheticTickets}) or of their text alone ({@linkcode textSignalTickets}).
 *
 * @module
 */
import { CHANNELS, GENDERS, PRODUCTS, STATUSES, SUBJECTS, TICKET_TYPES } from "./bundled_values.ts";
import { emptyTicket, PRIORITIES, type Priority, type Ticket } from "../../src/ticket/schema.ts";
import { seededRandom } from "../../src/train/random.ts";
import { HEADER } from "./paths.ts";

/** Age band used by the synthetic rule: under 30, 30–44, 45–59, 60 and over. */
function ageBand(age: number): number {
  return age < 30 ? 0 : age < 45 ? 1 : age < 60 ? 2 : 3;
}

/**
 * The synthetic rule: priority = (type index + channel index + age band) mod 4, indices into `TICKET_TYPES`,
 * `CHANNELS` and the age bands (<30, 30–44, 45–59, ≥60). An interaction of three features, so a model only scores
 * well if it learns them jointly; every other field is noise.
 */
export function syntheticPriority(ticket: Pick<Ticket, "ticket_type" | "ticket_channel" | "customer_age">): Priority {
  const type = TICKET_TYPES.indexOf(ticket.ticket_type as typeof TICKET_TYPES[number]);
  const channel = CHANNELS.indexOf(ticket.ticket_channel as typeof CHANNELS[number]);
  if (type < 0 || channel < 0 || ticket.customer_age === null) throw new Error("not a synthetic ticket");
  return PRIORITIES[(type + channel + ageBand(ticket.customer_age)) % PRIORITIES.length];
}

/**
 * `n` labelled tickets whose `priority_label` is {@linkcode syntheticPriority} of their features; the same `seed`
 * gives the same tickets. Noise fields (gender, product, subject, status, description, purchase date) are random,
 * with an occasional null or unknown product so those paths are exercised too.
 */
export function syntheticTickets(n: number, seed: number): Ticket[] {
  const random = seededRandom(seed);
  const pick = <T>(values: readonly T[]): T => values[Math.floor(random() * values.length)];
  const tickets: Ticket[] = [];
  for (let i = 0; i < n; i++) {
    const month = 1 + Math.floor(random() * 12);
    const ticket: Ticket = {
      ...emptyTicket(),
      ticket_id: `syn-${seed}-${i + 1}`,
      customer_age: 18 + Math.floor(random() * 53),
      customer_gender: random() < 0.02 ? null : pick(GENDERS),
      product_purchased: random() < 0.02 ? "Acme Gadget" : pick(PRODUCTS),
      date_of_purchase: `${2020 + Math.floor(random() * 2)}-${String(month).padStart(2, "0")}-15`,
      ticket_type: pick(TICKET_TYPES),
      ticket_subject: pick(SUBJECTS),
      ticket_description: "Synthetic ticket. " + "Details follow. ".repeat(Math.floor(random() * 20)),
      ticket_status: pick(STATUSES),
      ticket_channel: pick(CHANNELS),
    };
    ticket.priority_label = syntheticPriority(ticket);
    tickets.push(ticket);
  }
  return tickets;
}

/** Yields `items` in batches of `size`. */
export function* inBatches<T>(items: readonly T[], size = 2048): Iterable<T[]> {
  for (let i = 0; i < items.length; i += size) yield items.slice(i, i + size);
}

/** Phrases that say how urgent a ticket is, by priority: the only signal in {@linkcode textSignalTickets}. */
const URGENCY_PHRASES: Record<Priority, readonly string[]> = {
  Low: [
    "I have a quick question about",
    "could you tell me how to change",
    "it would be nice if you added",
    "just wondering whether there is a way to",
    "no rush on this, but I noticed",
    "a small cosmetic thing with",
  ],
  Medium: [
    "it is a bit slow when I open",
    "sometimes it fails to sync",
    "the settings page shows the wrong",
    "I had to restart it twice today because",
    "an error pops up now and then when",
    "the export is missing a column for",
  ],
  High: [
    "it keeps crashing every time I try to",
    "I cannot complete my payment for",
    "the update broke the login for",
    "it stopped working after the last update and",
    "I was charged twice for",
    "none of my files open since",
  ],
  Critical: [
    "our whole team is blocked, production is down because",
    "we are losing data right now from",
    "this looks like a security breach in",
    "every customer sees an outage of",
    "the system is completely unusable and",
    "urgent: all orders are failing since",
  ],
};

/** Sentences about nothing in particular, for the rest of a description. */
const FILLER = [
  "I bought it last month from your online store.",
  "My account is registered under my work email.",
  "I have attached a screenshot of the screen.",
  "Thanks in advance for looking into it.",
  "The device is connected to the office network.",
  "I am using the latest version of the app.",
  "Please let me know if you need more details.",
  "This happened on my laptop and on my phone.",
];

/**
 * `n` labelled tickets whose priority lives only in the text: each description holds a phrase of its priority
 * among neutral sentences, every other field is random, and a share `noise` of the labels is replaced by a random
 * priority (people label inconsistently). A model that reads text learns it; one that does not stays at chance.
 */
export function textSignalTickets(n: number, seed: number, noise = 0.05): Ticket[] {
  const random = seededRandom(seed);
  const pick = <T>(values: readonly T[]): T => values[Math.floor(random() * values.length)];
  const tickets: Ticket[] = [];
  for (let i = 0; i < n; i++) {
    const priority = pick(PRIORITIES);
    const product = pick(PRODUCTS);
    const sentences = [pick(FILLER), `${pick(URGENCY_PHRASES[priority])} the ${product}.`, pick(FILLER)];
    if (random() < 0.5) sentences.reverse();
    tickets.push({
      ...emptyTicket(),
      ticket_id: `text-${seed}-${i + 1}`,
      customer_age: 18 + Math.floor(random() * 53),
      customer_gender: pick(GENDERS),
      product_purchased: product,
      date_of_purchase: `202${Math.floor(random() * 3)}-0${1 + Math.floor(random() * 9)}-1${Math.floor(random() * 9)}`,
      ticket_type: pick(TICKET_TYPES),
      ticket_subject: pick(SUBJECTS),
      ticket_description: sentences.join(" "),
      ticket_status: pick(STATUSES),
      ticket_channel: pick(CHANNELS),
      priority_label: random() < noise ? pick(PRIORITIES) : priority,
    });
  }
  return tickets;
}

/** Tickets as an upload's CSV (the samples' header; customer name and email filled in, as exports have them). */
export function ticketsCsv(tickets: readonly Ticket[]): string {
  const cell = (value: string | number | null) => {
    const text = value === null ? "" : String(value);
    return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
  };
  const rows = tickets.map((t) =>
    [
      t.ticket_id,
      "Alex Example",
      "alex@example.com",
      t.customer_age,
      t.customer_gender,
      t.product_purchased,
      t.date_of_purchase,
      t.ticket_type,
      t.ticket_subject,
      t.ticket_description,
      t.ticket_status,
      t.resolution,
      t.priority_label,
      t.ticket_channel,
      t.first_response_at,
      t.resolved_at,
      t.satisfaction_rating,
    ].map(cell).join(",")
  );
  return [HEADER, ...rows].join("\n") + "\n";
}

/**
 * Writes a CSV upload of `n` synthetic tickets to a temporary file, 10,000 at a time, and answers its path. Ids
 * are `${prefix}${i}` for i from `first`, so files can be made to overlap.
 */
export async function writeTicketsFile(
  n: number,
  { prefix = "T", first = 0, seed = 7 }: { prefix?: string; first?: number; seed?: number } = {},
): Promise<string> {
  const path = await Deno.makeTempFile({ prefix: "tickets-", suffix: ".csv" });
  const file = await Deno.open(path, { write: true, truncate: true });
  const writer = file.writable.getWriter();
  const encoder = new TextEncoder();
  for (let done = 0; done < n; done += 10_000) {
    const tickets = syntheticTickets(Math.min(10_000, n - done), seed + done)
      .map((t, i) => ({ ...t, ticket_id: `${prefix}${first + done + i}` }));
    const csv = ticketsCsv(tickets);
    await writer.write(encoder.encode(done === 0 ? csv : csv.slice(csv.indexOf("\n") + 1)));
  }
  await writer.close();
  return path;
}
