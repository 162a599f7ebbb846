/**
 * Test fixtures: tickets and scored tickets with sensible defaults, overridden per test.
 *
 * @module
 */
import { emptyTicket, PRIORITIES, type Priority, type ScoredTicket, type Ticket } from "../../src/ticket/schema.ts";

/** A typed ticket as ingest would produce it. */
export function ticket(overrides: Partial<Ticket> = {}): Ticket {
  return {
    ...emptyTicket(),
    ticket_id: "1",
    customer_age: 32,
    customer_gender: "Female",
    product_purchased: "GoPro Hero",
    date_of_purchase: "2021-03-22",
    ticket_type: "Technical issue",
    ticket_subject: "Product setup",
    ticket_description: "It does not start.",
    ticket_status: "Open",
    priority_label: "High",
    ticket_channel: "Email",
    first_response_at: "2023-06-01 12:15:00",
    ...overrides,
  };
}

/** A scored ticket whose probabilities favour `priority_pred`. */
export function scoredTicket(overrides: Partial<ScoredTicket> = {}): ScoredTicket {
  const predicted: Priority = overrides.priority_pred ?? "Medium";
  const p = (c: Priority) => (c === predicted ? 0.7 : 0.1);
  return {
    ...ticket(),
    upload_id: "upload-1",
    ingested_at: "2023-06-02T10:00:00.000Z",
    priority_pred: predicted,
    p_low: p("Low"),
    p_medium: p("Medium"),
    p_high: p("High"),
    p_critical: p("Critical"),
    confidence: 0.7,
    needs_review: false,
    language: "en",
    sentiment: 0,
    simhash_high: 0,
    simhash_low: 0,
    model_version: "test-model",
    scored_at: "2023-06-02T10:00:01.000Z",
    ...overrides,
  };
}

/** `n` scored tickets with ids 1..n, cycling through priorities, statuses and products. */
export function scoredTickets(n: number, overrides: Partial<ScoredTicket> = {}): ScoredTicket[] {
  const statuses = ["Open", "Closed", "Pending Customer Response"];
  const products = ["GoPro Hero", "Dell XPS", "LG Smart TV", "Sony Xperia"];
  return Array.from({ length: n }, (_, i) =>
    scoredTicket({
      ticket_id: String(i + 1),
      priority_pred: PRIORITIES[i % 4],
      priority_label: PRIORITIES[(i * 7) % 4],
      ticket_status: statuses[i % 3],
      product_purchased: products[i % 4],
      customer_age: 18 + (i % 60),
      ...overrides,
    }));
}
