/**
 * Dead letters: a message a stage could not use goes to the dead-letter topic as it came, with why and where in its
 * `error` and `stage` headers; the app records each against its upload, so that the upload's status accounts for
 * every ticket (stored, or dead-lettered with a reason).
 *
 * @module
 */
import type { BusMessage } from "./bus.ts";

/** A ticket a stage could not use: which (when the message says), where, why, and when it was recorded. */
export interface DeadLetter {
  upload_id: string | null;
  ticket_id: string | null;
  stage: string;
  reason: string;
  recorded_at: string;
}

/** A message as it goes to the dead letters: as it came, with why and where in the `error` and `stage` headers. */
export function deadLetter(message: BusMessage<unknown>, reason: string, stage: string): BusMessage<unknown> {
  return { key: message.key, value: message.value, headers: { ...message.headers, error: reason, stage } };
}

/** What the store records of a dead letter: its upload and ticket when the message says, where and why. */
export function deadLetterRecord(message: BusMessage<unknown>, recordedAt = new Date()): DeadLetter {
  const value = message.value as Record<string, unknown> | null;
  const field = (name: string) =>
    typeof value === "object" && value !== null && typeof value[name] === "string" ? value[name] as string : null;
  return {
    upload_id: field("upload_id"),
    ticket_id: field("ticket_id") ?? (message.key || null),
    stage: message.headers?.stage ?? "unknown",
    reason: message.headers?.error ?? "no reason given",
    recorded_at: recordedAt.toISOString(),
  };
}
