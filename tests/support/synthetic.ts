/**
 * Synthetic labelled tickets for proving that the training pipeline can learn: on the sample exports the human
 * priority carries no signal, so learnability is tested on tickets whose priority is a function of their features.
 *
 * @module
 */
import { CHANNELS, GENDERS, PRODUCTS, STATUSES, SUBJECTS, TICKET_TYPES } from "../../src/score/features.ts";
import { emptyTicket, PRIORITIES, type Priority, type Ticket } from "../../src/ticket/schema.ts";
import { seededRandom } from "./random.ts";

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
