/**
 * Hostile ticket text for browser tests: every free-text field of an upload carrying markup that would run (or
 * become an element) if any page ever inserted it as HTML, and personal fields that must never be shown.
 *
 * @module
 */
import { EXCEL_SAMPLE } from "../../scripts/samples/paths.ts";

// Payloads: each would set window.__pwned if it ever reached the page as HTML.
const SCRIPT = "<script>window.__pwned=1</script>";
const IMG = `<img src=x onerror="window.__pwned=1">`;
const IMG_BARE = "<img src=x onerror=window.__pwned=1>";
export const HOSTILE = {
  productScript: `${SCRIPT} hostile product`,
  productImg: `${IMG} hostile product`,
  subjectScript: `hostile subject ${SCRIPT}`,
  subjectImg: `hostile subject ${IMG}`,
  ticketType: `${IMG} hostile type`,
  /** Personal data: never shown. */
  description: `hostile-description ${SCRIPT}${IMG}`,
  /** Personal data: dropped at upload. */
  customerName: `hostile-customer-name ${IMG}${SCRIPT}`,
  /** Not an age: the row is rejected and the value shown in the rejected lines. */
  age: IMG_BARE,
  fileName: `${IMG_BARE}.csv`,
};
/** Markers of the fields that must appear nowhere. */
export const NEVER_SHOWN = ["hostile-description", "hostile-customer-name"];

function csvLine(values: (string | number)[]): string {
  return values.map((v) => `"${String(v).replaceAll('"', '""')}"`).join(",");
}

/** Three tickets: two accepted (every free-text field hostile), one rejected for a hostile age. */
export async function hostileCsv(): Promise<string> {
  const header = (await Deno.readTextFile(EXCEL_SAMPLE)).split(/\r?\n/, 1)[0];
  const row = (id: number, fields: Record<string, string | number>) => ({
    id,
    name: HOSTILE.customerName,
    email: "someone@example.com",
    age: 35,
    gender: "Female",
    product: HOSTILE.productScript,
    purchased: "2021-03-22",
    type: "Technical issue",
    subject: HOSTILE.subjectImg,
    description: HOSTILE.description,
    status: "Open",
    resolution: "",
    priority: "High",
    channel: "Email",
    firstResponse: "2023-12-31 23:59:00",
    resolved: "",
    rating: "",
    ...fields,
  });
  const rows = [
    row(900001, {}),
    row(900002, {
      age: 41,
      gender: "Male",
      product: HOSTILE.productImg,
      type: HOSTILE.ticketType,
      subject: HOSTILE.subjectScript,
      status: "Pending Customer Response",
      priority: "Low",
      channel: "Chat",
      firstResponse: "2023-12-31 23:58:00",
    }),
    row(900003, { age: HOSTILE.age, product: "GoPro Hero", subject: "Product setup" }),
  ];
  return [header, ...rows.map((r) => csvLine(Object.values(r)))].join("\r\n") + "\r\n";
}
