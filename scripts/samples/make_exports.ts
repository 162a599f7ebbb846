/**
 * Writes the three helpdesk-export samples in `samples/` and owns their contents: `zendesk_export.csv`,
 * `freshdesk_export.csv` and `jira_export.csv`, 300 tickets each, in the column layout each product writes when a
 * team exports tickets to CSV (see `docs/exports.md`). Everything in them is made up here: the ticket texts come
 * from the templates and word lists below, the people from a short list of fake names (e-mails at example.com and
 * example.org, phones 555-01xx). A seeded generator picks the words, so every run writes the same bytes.
 *
 * The priority of a ticket follows its text (outages, data loss and security are the most urgent; a broken feature
 * with a workaround is high; questions are normal; cosmetic issues and feature requests are low), with about 15%
 * of tickets given another priority on purpose, as people do. Each file also has a few tickets with no priority and
 * two with a value the product does not use (`P0`, `Sev-1`), for the "unknown label" warning.
 *
 * ```sh
 * deno run -A scripts/samples/make_exports.ts            # writes samples/*_export.csv
 * deno run -A scripts/samples/make_exports.ts --out /tmp # somewhere else
 * ```
 *
 * @module
 */
import { commandLine, runCommand } from "../../src/cli.ts";
import { fileURLToPath } from "node:url";

const HELP = `Usage: deno run -A scripts/samples/make_exports.ts [--out DIR]

Writes samples/zendesk_export.csv, samples/freshdesk_export.csv and samples/jira_export.csv: 300 made-up tickets
each, in each product's CSV export layout (docs/exports.md). Deterministic: the same bytes on every run.

  --out DIR   write the three files into DIR instead of samples/`;

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
/** Tickets per file. */
const TICKETS = 300;

// ---------------------------------------------------------------------------------------------------------------
// Randomness: mulberry32, seeded per file, so changing one file's generator leaves the other files alone.

/** A seeded source of numbers in [0, 1) and the choices built on it. */
class Random {
  #state: number;
  constructor(seed: number) {
    this.#state = seed >>> 0;
  }
  next(): number {
    this.#state = (this.#state + 0x6d2b79f5) >>> 0;
    let t = this.#state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  /** An integer in [min, max]. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }
  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)];
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  /** `count` distinct integers in [0, n), ascending. */
  distinct(count: number, n: number): number[] {
    const chosen = new Set<number>();
    while (chosen.size < count) chosen.add(Math.floor(this.next() * n));
    return [...chosen].sort((a, b) => a - b);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// People, companies and words. All invented; e-mail domains are the reserved example.com / example.org.

interface Person {
  name: string;
  email: string;
  phone: string;
  mobile: string;
  id: number;
  company: string;
}

const CUSTOMER_NAMES = [
  "Anna Müller",
  "José Álvarez",
  "Zoë Martin",
  "Chloé Dubois",
  "Liam O'Brien",
  "Priya Raman",
  "Kenji Watanabe",
  "Fatima Haddad",
  "Sven Østergaard",
  "Maria Kowalska",
  "Tomás Ferreira",
  "Grace Okafor",
  "Ethan Brooks",
  "Léa Fontaine",
  "Noah Schmidt",
  "Aisha Bello",
];
const AGENT_NAMES = ["Sam Rivera", "Jordan Lee", "Alex Novak", "Robin Meyer", "Casey Tran", "Morgan Hale"];
const COMPANIES = [
  "Café Lumière",
  "Northwind Traders",
  "Bäckerei Sonnenschein",
  "Blue Harbor Logistics",
  "Greenfield Clinic",
  "Pixel & Parchment",
  "Atlas Freight, Inc.",
  "Río Verde Foods",
];

/** The name without accents, lower case, for an e-mail address: "Anna Müller" → "anna.mueller". */
function mailbox(name: string): string {
  return name
    .replaceAll("ü", "ue").replaceAll("ä", "ae").replaceAll("ö", "oe").replaceAll("ø", "o").replaceAll("Ø", "O")
    .normalize("NFD").replace(/[\u0300-\u036f]/g, "")
    .toLowerCase().replace(/'/g, "").replace(/\s+/g, ".");
}

/** The fixed cast: customers (each with a company) and agents. */
function cast(): { customers: Person[]; agents: Person[] } {
  const customers = CUSTOMER_NAMES.map((name, i) => ({
    name,
    email: `${mailbox(name)}@${i % 3 === 2 ? "example.org" : "example.com"}`,
    phone: `+1 202-555-01${String(10 + i * 2).padStart(2, "0")}`,
    mobile: `+1 202-555-01${String(11 + i * 2).padStart(2, "0")}`,
    id: 880_100 + i * 37,
    company: COMPANIES[i % COMPANIES.length],
  }));
  const agents = AGENT_NAMES.map((name, i) => ({
    name,
    email: `${mailbox(name)}@support.example.com`,
    phone: `+1 202-555-01${String(50 + i).padStart(2, "0")}`,
    mobile: "",
    id: 770_200 + i * 11,
    company: "",
  }));
  return { customers, agents };
}

const WORDS: Record<string, readonly string[]> = {
  area: ["dashboard", "reports page", "admin console", "mobile app", "customer portal", "checkout", "API"],
  err: ['"502 Bad Gateway"', '"500 Internal Server Error"', "a blank white page", "a timeout after 60 seconds"],
  time: ["9:40 this morning", "about 8am CET", "14:05 UTC", "midnight", "the maintenance window last night"],
  n: ["12", "25", "40", "80", "150", "300"],
  records: ["invoices", "customer records", "orders", "projects", "attachments", "contacts"],
  browser: ["Chrome 124", "Firefox", "Safari on macOS", "Edge", "the iOS app", "the Android app"],
  country: ["Brazil", "Vietnam", "Romania", "an IP range in the Netherlands", "three different countries"],
  integration: ["Slack", "Microsoft Teams", "Salesforce", "HubSpot", "Zapier", "Google Calendar"],
  plan: ["Business", "Pro", "Team", "Enterprise"],
  invoice: ["INV-2024-0113", "INV-2024-0342", "INV-2024-0518", "INV-2024-0671"],
  size: ["5", "10", "20", "50"],
  secs: ["30", "45", "60", "90"],
  city: ["São Paulo", "Zürich", "Kraków", "Montréal", "Göteborg", "Lisbon"],
};

/** Fills `{slot}`s from {@linkcode WORDS}, `{company}` and `{first}` from the requester. */
function fill(rng: Random, text: string, requester: Person): string {
  return text.replace(/\{(\w+)\}/g, (_, slot: string) => {
    if (slot === "company") return requester.company;
    if (slot === "first") return requester.name.split(" ")[0];
    if (slot === "phone") return requester.phone;
    if (slot === "email") return requester.email;
    const words = WORDS[slot];
    if (!words) throw new Error(`no words for {${slot}}`);
    return rng.pick(words);
  });
}

// ---------------------------------------------------------------------------------------------------------------
// Ticket texts. Each template has its own urgency: 3 urgent, 2 high, 1 normal, 0 low (jira: 0 low, -1 lowest).

type Kind = "outage" | "data" | "security" | "login" | "broken" | "billing" | "question" | "feature" | "cosmetic";

interface Template {
  kind: Kind;
  /** 3 urgent/highest, 2 high, 1 normal/medium, 0 low, -1 lowest (Jira only; low elsewhere). */
  level: number;
  subject: string;
  /** Short clauses the one-line (Zendesk) subject may end with. */
  details: readonly string[];
  /** Sentences of the description, in order; some are left out at random. */
  body: readonly string[];
}

const TEMPLATES: readonly Template[] = [
  // Outages: urgent.
  {
    kind: "outage",
    level: 3,
    subject: "Production down: {area} returns {err}",
    details: ["since {time}", "all {n} users affected", "nobody can work"],
    body: [
      "Since {time} every request to the {area} ends in {err}.",
      "This is blocking our whole team ({n} people) and our customers can't place orders.",
      "Your status page still says all systems operational.",
      "We tried {browser}, another network and a different laptop, same result.",
    ],
  },
  {
    kind: "outage",
    level: 3,
    subject: "Whole site unreachable since {time}",
    details: ["production is down for {company}", "please escalate", "our shops in {city} are closed because of this"],
    body: [
      "None of our {n} users can load anything, the browser just spins and then shows {err}.",
      "We are losing sales every minute this is down.",
      "Please call me as soon as someone is looking at it: {phone}.",
    ],
  },
  {
    kind: "outage",
    level: 3,
    subject: "API completely down, all our integrations failing",
    details: ["every call returns {err}", "since {time}", "webhooks stopped too"],
    body: [
      "All calls to your API have been failing since {time} with {err}.",
      "Our order sync, the {integration} connector and the nightly export are all stuck.",
      "Nothing changed on our side, same API key, same code.",
    ],
  },
  // Data loss: urgent.
  {
    kind: "data",
    level: 3,
    subject: "Data loss after last sync - {n} {records} gone",
    details: ["nobody deleted them", "month-end closing tomorrow", "audit log shows nothing"],
    body: [
      "Yesterday around {time} we noticed that {n} {records} created last month are missing.",
      "Nobody on our side deleted them and the audit log shows nothing.",
      "We need them restored urgently, our month-end closing depends on them.",
      "Do you keep backups we can restore from?",
    ],
  },
  {
    kind: "data",
    level: 3,
    subject: "Bulk edit overwrote our {records} with empty values",
    details: ["{n} rows wiped", "can you roll back?", "happened at {time}"],
    body: [
      "A colleague ran a bulk edit on {n} {records} and every field except the name is now empty.",
      'The preview said "3 fields will change", not all of them.',
      "Please tell us if you can restore the data from before {time}.",
    ],
  },
  // Security: urgent.
  {
    kind: "security",
    level: 3,
    subject: "Possible account compromise - logins from {country}",
    details: ["we don't have staff there", "admin account affected", "password already changed"],
    body: [
      "Our admin account shows successful logins from {country} over the weekend.",
      "Nobody at {company} travels there and 2FA was on.",
      "We changed the password but need to know what was accessed and whether data was exported.",
    ],
  },
  {
    kind: "security",
    level: 3,
    subject: "API key exposed in a public repo, need it revoked now",
    details: ["pushed by mistake at {time}", "security incident", "please confirm revocation"],
    body: [
      "One of our developers pushed a config file with our live API key to a public repository.",
      "We can't find a way to revoke it ourselves in the admin console.",
      "Please revoke it immediately and tell us which calls were made with it since {time}.",
    ],
  },
  {
    kind: "security",
    level: 3,
    subject: "Users can see another company's {records}",
    details: ["privacy issue", "screenshot attached", "GDPR problem for us"],
    body: [
      "When {first} opened the {area} this morning the list showed {records} that belong to another company.",
      "This is a serious privacy breach, we have customers in {city} and need to report it.",
      "Please take the page offline until it's fixed.",
    ],
  },
  {
    kind: "security",
    level: 2,
    subject: "Phishing email pretending to be your billing team",
    details: ["asks for card details", "several colleagues got it", "FYI"],
    body: [
      'Several of us got an email from "billing@yourcompany-payments.example.net" asking to re-enter card details.',
      "Nobody clicked, but you may want to warn other customers.",
      "Can you confirm it's not from you?",
    ],
  },
  // Login: mostly high, whole-team SSO urgent.
  {
    kind: "login",
    level: 3,
    subject: "SSO login broken for the whole team",
    details: ['error "SAML response invalid"', "nobody can sign in", "since {time}"],
    body: [
      'Since {time} every login through our identity provider ends with "SAML response invalid".',
      "Nothing changed in our IdP configuration. {n} people can't work.",
      "Is there a way to log in with a password in the meantime?",
    ],
  },
  {
    kind: "login",
    level: 2,
    subject: "Can't log in - password reset email never arrives",
    details: ["checked spam", "tried three times", "locked out since yesterday"],
    body: [
      "I requested a password reset three times but the email never arrives, not even in spam.",
      "My address is {email}.",
      "I need access for a client meeting tomorrow.",
    ],
  },
  {
    kind: "login",
    level: 2,
    subject: "2FA codes rejected after changing phone",
    details: ["new phone", "backup codes lost", "can't get in"],
    body: [
      "I moved my authenticator app to a new phone and now every code is rejected.",
      "I don't have the backup codes any more.",
      "Could you reset 2FA for my account? You can reach me on {phone}.",
    ],
  },
  {
    kind: "login",
    level: 1,
    subject: "Login page keeps redirecting in a loop on {browser}",
    details: ["works in other browsers", "cleared cookies", "only on one laptop"],
    body: [
      "After entering my password the page reloads and asks again, over and over.",
      "It works fine in another browser, so I can get in, but it's annoying.",
    ],
  },
  // Broken feature with a workaround: high.
  {
    kind: "broken",
    level: 2,
    subject: "CSV import fails for files over {size} MB",
    details: ["splitting the file works", "error without a message", "worked last week"],
    body: [
      "Importing our weekly {records} file fails with no error message once it is bigger than {size} MB.",
      "Splitting it into smaller files works for now, but it takes us an hour every Monday.",
      "Could you look at the limit?",
    ],
  },
  {
    kind: "broken",
    level: 2,
    subject: "Search doesn't find {records} by reference number",
    details: ["filter by date works", "since the last update", "exact match fails too"],
    body: [
      "Typing a reference number in the search box returns nothing, even for {records} I can open.",
      "Filtering by date and scrolling works as a workaround.",
      "It started after your last release.",
    ],
  },
  {
    kind: "broken",
    level: 2,
    subject: "Export to Excel garbles accents (é shows as Ã©)",
    details: ["names like Müller broken", "CSV is fine", "affects all reports"],
    body: [
      "When I export to Excel, names like Müller or São Paulo come out as MÃ¼ller and SÃ£o Paulo.",
      "The plain CSV export is fine, so we use that for now.",
      "Our finance team in {city} needs the Excel version though.",
    ],
  },
  {
    kind: "broken",
    level: 2,
    subject: "{integration} notifications stopped arriving",
    details: ["reconnecting didn't help", "since {time}", "other channels fine"],
    body: [
      "We stopped getting {integration} notifications for new {records} around {time}.",
      "Disconnecting and reconnecting the integration did not help.",
      "Email notifications still work, so nothing is lost, but the team relies on {integration}.",
    ],
  },
  {
    kind: "broken",
    level: 2,
    subject: "Report totals don't match the {area}",
    details: ["off by a few percent", "rounding?", "March figures"],
    body: [
      "The monthly report shows different totals from the {area} for the same period.",
      "The difference is small, a few percent, but our accountant noticed.",
      "Exporting the raw data and summing it ourselves gives the {area} figure.",
    ],
  },
  {
    kind: "broken",
    level: 2,
    subject: "Dashboard takes {secs} seconds to load",
    details: ["used to be instant", "only in the mornings", "{n} widgets"],
    body: [
      "The dashboard now takes {secs} seconds to load, it used to be instant.",
      "Reports load fine if we open them directly, so we do that for now.",
    ],
  },
  // Billing.
  {
    kind: "billing",
    level: 2,
    subject: "Charged twice for the {plan} plan this month",
    details: ["two identical charges", "please refund one", "card statement attached"],
    body: [
      "Our card was charged twice for the {plan} plan on the 1st, same amount, a minute apart.",
      "Please refund the duplicate charge.",
    ],
  },
  {
    kind: "billing",
    level: 1,
    subject: "Need a copy of invoice {invoice}",
    details: ["for our accountant", "PDF please", "lost the email"],
    body: ["Could you send a copy of invoice {invoice} as a PDF?", "Our accountant needs it by the end of the week."],
  },
  {
    kind: "billing",
    level: 1,
    subject: "VAT number missing on invoice {invoice}",
    details: ["company moved to {city}", "need a corrected invoice", "EU customer"],
    body: [
      "Our VAT number does not appear on invoice {invoice}.",
      "We entered it in the billing settings, can you reissue the invoice with it?",
    ],
  },
  // How-to questions: normal.
  {
    kind: "question",
    level: 1,
    subject: "How do I add a new user to our account?",
    details: ["new colleague starting Monday", "can't find the button", "admin rights?"],
    body: [
      "We have a new colleague starting on Monday, how do I give them access?",
      "I looked in the admin console but only see the list of existing users.",
    ],
  },
  {
    kind: "question",
    level: 1,
    subject: "Where can I change the default time zone?",
    details: ["reports show UTC", "team is in {city}", "per user or per account?"],
    body: [
      "All times in our reports are in UTC but we are in {city}.",
      "Is the time zone a setting per user or for the whole account?",
    ],
  },
  {
    kind: "question",
    level: 1,
    subject: "Is there a way to bulk-assign {records} to a group?",
    details: ["{n} of them", "one by one takes ages", "via API maybe?"],
    body: [
      "We need to move about {n} {records} to a new group.",
      "Doing it one by one takes ages, is there a bulk action or an API call for this?",
    ],
  },
  {
    kind: "question",
    level: 1,
    subject: "Question about API rate limits",
    details: ["planning a nightly sync", "per key or per account?", "{plan} plan"],
    body: [
      "We're planning a nightly sync of our {records} through the API.",
      "What are the rate limits on the {plan} plan, and are they per key or per account?",
    ],
  },
  {
    kind: "question",
    level: 1,
    subject: "How to set up the {integration} integration",
    details: ["docs link broken", "which permissions?", "first time"],
    body: [
      "We'd like to connect {integration}, but the link in your help article goes to a 404.",
      "Which permissions does the integration need on our side?",
    ],
  },
  // Feature requests: low.
  {
    kind: "feature",
    level: 0,
    subject: "Feature request: dark mode",
    details: ["would be easier on the eyes", "several people asked", "nice to have"],
    body: ["Several people on our team work late and asked for a dark theme.", "Not urgent at all, just a wish."],
  },
  {
    kind: "feature",
    level: 0,
    subject: "Would be great to export reports as PDF",
    details: ["for board meetings", "nice to have", "currently we screenshot"],
    body: [
      "We present the monthly report to our board and currently take screenshots.",
      "A PDF export would save us some time. Thanks for considering it!",
    ],
  },
  {
    kind: "feature",
    level: 0,
    subject: "Please add keyboard shortcuts to the {area}",
    details: ["like j/k to move", "power users would love it", "suggestion"],
    body: ["It would be nice to move through the list with the keyboard, like j and k in email apps."],
  },
  // Cosmetic: lowest/low.
  {
    kind: "cosmetic",
    level: -1,
    subject: 'Typo on the settings page ("recieve notifications")',
    details: ["minor", "just so you know", "also in the French version"],
    body: ['The settings page says "recieve notifications" instead of "receive notifications".', "Minor, just FYI."],
  },
  {
    kind: "cosmetic",
    level: -1,
    subject: "Logo looks blurry on retina screens",
    details: ["cosmetic", "only on the login page", "MacBook Pro"],
    body: ["The logo on the login page looks blurry on my MacBook screen.", "Purely cosmetic, no rush."],
  },
  {
    kind: "cosmetic",
    level: 0,
    subject: 'Button text cut off in German ("Änderungen speich...")',
    details: ["German UI", "cosmetic", "Save button"],
    body: [
      'In the German interface the save button reads "Änderungen speich..." because the text is too long.',
      "Everything still works, it just looks odd.",
    ],
  },
];

/** Common slips, for the typos real tickets have. */
const MISSPELLINGS: Record<string, string> = {
  receive: "recieve",
  "can't": "cant",
  please: "pls",
  the: "teh",
  because: "becuase",
  immediately: "immediatly",
  separate: "seperate",
  until: "untill",
};

/** One slip in `text`: a common misspelling or two swapped letters. */
function typo(rng: Random, text: string): string {
  const known = Object.keys(MISSPELLINGS).filter((w) => new RegExp(`\\b${w}\\b`).test(text));
  if (known.length > 0 && rng.chance(0.6)) {
    const word = rng.pick(known);
    return text.replace(new RegExp(`\\b${word}\\b`), MISSPELLINGS[word]);
  }
  const words = [...text.matchAll(/\b[a-z]{6,}\b/g)];
  if (words.length === 0) return text;
  const match = rng.pick(words);
  const at = (match.index ?? 0) + rng.int(1, match[0].length - 3);
  return text.slice(0, at) + text[at + 1] + text[at] + text.slice(at + 2);
}

/** A sentence as it reads after "Hi,": its first word in lower case, unless that is "I" or an acronym. */
function afterComma(sentence: string): string {
  return /^(A\b|[A-Z][a-z])/.test(sentence) ? sentence[0].toLowerCase() + sentence.slice(1) : sentence;
}

/** A ticket's words and its intended urgency, before any product's columns. */
interface Ticket {
  kind: Kind;
  /** The urgency its text calls for, then perhaps moved by the noise. */
  level: number;
  /** Short subject (Freshdesk, Jira). */
  subject: string;
  /** One-line subject carrying all the text (Zendesk). */
  longSubject: string;
  /** Paragraphs of the description. */
  paragraphs: string[];
  /** Whether the description is written over several lines. */
  multiLine: boolean;
  requester: Person;
}

/** The kinds of ticket a customer may add browser details or steps to. */
const SEEN_IN_BROWSER: ReadonlySet<Kind> = new Set(["outage", "login", "broken", "cosmetic"]);

/** The share of tickets whose priority is not the one their text calls for. */
const NOISE = 0.15;

function makeTicket(rng: Random, customers: Person[], minLevel: number): Ticket {
  const template = rng.pick(TEMPLATES);
  const requester = rng.pick(customers);
  const subject = fill(rng, template.subject, requester);
  const detail = fill(rng, rng.pick(template.details), requester);
  let longSubject = rng.chance(0.8) ? `${subject} - ${detail}` : subject;
  const sentences = template.body.filter((_, i) => i === 0 || rng.chance(0.75)).map((s) => fill(rng, s, requester));
  const greeting = rng.pick(["Hi,", "Hello,", "Hi team,", "Good morning,", "", "", "Dear support,"]);
  // On one line, "Hi, after ..." rather than "Hi, After ...".
  const run = greeting === "" ? sentences : [afterComma(sentences[0]), ...sentences.slice(1)];
  const multiLine = rng.chance(0.07);
  let paragraphs: string[];
  if (multiLine) {
    const signoff = `${rng.pick(["Thanks,", "Regards,", "Best,", "Cheers,"])}\n${requester.name}\n${requester.company}`;
    paragraphs = [
      greeting,
      sentences.join(" "),
      ...(SEEN_IN_BROWSER.has(template.kind) && rng.chance(0.5) ? [`Browser: ${rng.pick(WORDS.browser)}`] : []),
      signoff,
    ]
      .filter((p) => p !== "");
  } else {
    paragraphs = [
      [greeting, ...run, rng.chance(0.3) ? `Thanks, ${requester.name.split(" ")[0]}` : ""]
        .filter((p) => p !== "").join(" "),
    ];
  }
  if (rng.chance(0.08)) longSubject = typo(rng, longSubject);
  const main = paragraphs.length > 1 ? 1 : 0;
  if (rng.chance(0.1)) paragraphs[main] = typo(rng, paragraphs[main]);
  let level = Math.max(template.level, minLevel);
  if (rng.chance(NOISE)) {
    const others = [3, 2, 1, 0, -1].filter((l) => l >= minLevel && l !== level);
    const near = others.filter((l) => Math.abs(l - level) === 1);
    level = rng.chance(0.7) && near.length > 0 ? rng.pick(near) : rng.pick(others);
  }
  return { kind: template.kind, level, subject, longSubject, paragraphs, multiLine, requester };
}

// ---------------------------------------------------------------------------------------------------------------
// Dates and CSV.

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
const HOUR = 3_600_000;
/** The first ticket's creation time: Monday 8 January 2024, 08:00 UTC. */
const START = Date.UTC(2024, 0, 8, 8, 0, 0);

const pad = (n: number) => String(n).padStart(2, "0");

/** `2024-03-05 14:07:00` (Zendesk and Freshdesk samples; the products' exact format is not confirmed). */
function isoish(ms: number): string {
  const d = new Date(ms);
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ` +
    `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
}

/** Jira's default `dd/MMM/yy h:mm a`: `05/Mar/24 2:07 PM`. */
function jiraDate(ms: number): string {
  const d = new Date(ms);
  const h = d.getUTCHours();
  return `${jiraDay(ms)} ${h % 12 === 0 ? 12 : h % 12}:${pad(d.getUTCMinutes())} ${h < 12 ? "AM" : "PM"}`;
}

/** Jira's date-only `dd/MMM/yy` (due dates). */
function jiraDay(ms: number): string {
  const d = new Date(ms);
  return `${pad(d.getUTCDate())}/${MONTHS[d.getUTCMonth()]}/${pad(d.getUTCFullYear() % 100)}`;
}

/** `HH:MM:SS` for a number of minutes (Freshdesk durations). */
function hms(minutes: number): string {
  const s = Math.round(minutes * 60);
  return `${pad(Math.floor(s / 3600))}:${pad(Math.floor(s / 60) % 60)}:${pad(s % 60)}`;
}

/** One CSV field: quoted when it holds a comma, a quote, a line break or edge spaces. */
function field(value: string | number): string {
  const s = String(value);
  return /[",\r\n]|^\s|\s$/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

/** The file: header and rows, every line ending in `eol` (line breaks inside fields too). */
function csv(header: readonly string[], rows: (string | number)[][], eol: "\n" | "\r\n"): string {
  for (const row of rows) {
    if (row.length !== header.length) throw new Error(`row of ${row.length}, not ${header.length}`);
  }
  const text = [header, ...rows].map((row) => row.map(field).join(",")).join("\n") + "\n";
  return eol === "\n" ? text : text.replace(/\r?\n/g, "\r\n");
}

/**
 * The tickets of one file in creation order, with the creation times (0.2 to 26 hours apart, so 300 tickets span
 * about five months), and which rows get an empty or a foreign priority.
 */
function tickets(rng: Random, minLevel: number, empties: number) {
  const { customers, agents } = cast();
  let at = START;
  const list = Array.from({ length: TICKETS }, () => {
    at += Math.round(rng.int(12, 1560) * 60_000);
    return { ...makeTicket(rng, customers, minLevel), created: at, agent: rng.pick(agents) };
  });
  const special = rng.distinct(empties + 2, TICKETS);
  const order = special.map((i) => ({ i, r: rng.next() })).sort((a, b) => a.r - b.r).map((x) => x.i);
  const empty = new Set(order.slice(0, empties));
  const foreign = new Map(order.slice(empties).map((i, k) => [i, k === 0 ? "P0" : "Sev-1"]));
  /** The priority cell: the product's word for the level, empty, or a value the product does not use. */
  const priority = (i: number, words: (level: number) => string) =>
    empty.has(i) ? "" : foreign.get(i) ?? words(list[i].level);
  return { list, agents, priority };
}

/** How long ago, relative to the last ticket, decides how far a ticket got. */
function progress(
  rng: Random,
  created: number,
  last: number,
): "new" | "open" | "pending" | "hold" | "solved" | "closed" {
  const ageDays = (last - created) / (24 * HOUR);
  if (ageDays > 30) return rng.chance(0.92) ? "closed" : rng.pick(["solved", "hold"] as const);
  if (ageDays > 7) return rng.pick(["solved", "solved", "closed", "pending", "open"] as const);
  return rng.pick(["new", "open", "open", "pending", "hold", "solved"] as const);
}

// ---------------------------------------------------------------------------------------------------------------
// Zendesk: the CSV export's fixed columns, plus one custom dropdown field. No description: the text is the Subject.

const ZENDESK_HEADER = [
  "Summation column",
  "Id",
  "Requester",
  "Requester id",
  "Requester external id",
  "Requester email",
  "Requester domain",
  "Submitter",
  "Assignee",
  "Group",
  "Subject",
  "Tags",
  "Status",
  "Priority",
  "Via",
  "Ticket type",
  "Created at",
  "Updated at",
  "Assigned at",
  "Organization",
  "Due date",
  "Initially assigned at",
  "Solved at",
  "Resolution time",
  "Satisfaction Score",
  "Group stations",
  "Assignee stations",
  "Reopens",
  "Replies",
  "First reply time in minutes",
  "First reply time in minutes within business hours",
  "First resolution time in minutes",
  "First resolution time in minutes within business hours",
  "Full resolution time in minutes",
  "Full resolution time in minutes within business hours",
  "Agent wait time in minutes",
  "Agent wait time in minutes within business hours",
  "Requester wait time in minutes",
  "Requester wait time in minutes within business hours",
  "On hold time in minutes",
  "On hold time in minutes within business hours",
  "Product area [list]",
];

const ZENDESK_PRIORITY = (level: number) => ["Low", "Normal", "High", "Urgent"][Math.max(level, 0)];
const ZENDESK_STATUS = {
  new: "New",
  open: "Open",
  pending: "Pending",
  hold: "Hold",
  solved: "Solved",
  closed: "Closed",
};
const ZENDESK_VIA = ["Web form", "Web form", "Mail", "Mail", "Mail", "Chat", "Phone call (incoming)", "Web service"];
const GROUPS: Record<Kind, string> = {
  outage: "Tier 2",
  data: "Tier 2",
  security: "Security",
  login: "Support",
  broken: "Tier 2",
  billing: "Billing",
  question: "Support",
  feature: "Product feedback",
  cosmetic: "Product feedback",
};
const TAGS: Record<Kind, string> = {
  outage: "outage production",
  data: "data_loss restore",
  security: "security",
  login: "login access",
  broken: "bug",
  billing: "billing",
  question: "how_to",
  feature: "feature_request",
  cosmetic: "ui cosmetic",
};

function zendesk(): string {
  const rng = new Random(0x2e4d35);
  const { list, priority } = tickets(rng, 0, 4);
  const last = list[list.length - 1].created;
  let id = 18_230;
  const rows = list.map((t, i) => {
    id += rng.int(1, 4);
    const status = progress(rng, t.created, last);
    const assigned = status !== "new";
    const assignedAt = t.created + rng.int(5, 240) * 60_000;
    const firstReply = rng.int(4, 900);
    const done = status === "solved" || status === "closed";
    const fullResolution = done ? rng.int(30, 20_000) : 0;
    const solvedAt = t.created + fullResolution * 60_000;
    const updated = done ? solvedAt + (status === "closed" ? 4 * 24 * HOUR : 0) : t.created + rng.int(1, 72) * HOUR;
    const replies = rng.int(assigned ? 1 : 0, 7);
    const minutes = (n: number) => (assigned ? n : "");
    const business = (n: number) => (assigned ? Math.round(n * 0.45) : "");
    const submitter = rng.chance(0.9) ? t.requester.name : t.agent.name;
    return [
      1,
      id,
      t.requester.name,
      t.requester.id,
      rng.chance(0.2) ? `CRM-${t.requester.id % 10_000}` : "",
      t.requester.email,
      t.requester.email.split("@")[1],
      submitter,
      assigned ? t.agent.name : "",
      assigned ? GROUPS[t.kind] : "",
      t.longSubject,
      TAGS[t.kind] + (rng.chance(0.3) ? ` ${rng.pick(["vip", "enterprise", "emea", "follow_up"])}` : ""),
      ZENDESK_STATUS[status],
      priority(i, ZENDESK_PRIORITY),
      rng.pick(ZENDESK_VIA),
      t.kind === "outage" || t.kind === "data" || t.kind === "security"
        ? rng.pick(["Incident", "Problem", "Incident"])
        : t.kind === "question" || t.kind === "billing"
        ? "Question"
        : t.kind === "feature"
        ? "Task"
        : rng.pick(["Problem", "Incident", ""]),
      isoish(t.created),
      isoish(updated),
      assigned ? isoish(assignedAt) : "",
      t.requester.company,
      "",
      assigned ? isoish(assignedAt) : "",
      done ? isoish(solvedAt) : "",
      done ? Math.max(1, Math.round(fullResolution / 60)) : "",
      done ? rng.pick(["Offered", "Unoffered", "Good", "Good", "Bad"]) : "Unoffered",
      assigned ? rng.int(1, 2) : 0,
      assigned ? rng.int(1, 3) : 0,
      done && rng.chance(0.1) ? 1 : 0,
      replies,
      replies > 0 ? firstReply : "",
      replies > 0 ? Math.round(firstReply * 0.45) : "",
      done ? Math.round(fullResolution * 0.8) : "",
      done ? Math.round(fullResolution * 0.35) : "",
      done ? fullResolution : "",
      done ? Math.round(fullResolution * 0.4) : "",
      minutes(rng.int(0, 600)),
      business(rng.int(0, 600)),
      minutes(rng.int(0, 2000)),
      business(rng.int(0, 2000)),
      status === "hold" ? rng.int(60, 3000) : 0,
      0,
      rng.pick(["Dashboard", "Reports", "Billing", "Integrations", "Mobile app", "Admin", ""]),
    ];
  });
  return csv(ZENDESK_HEADER, rows, "\n");
}

// ---------------------------------------------------------------------------------------------------------------
// Freshdesk: the default ticket fields, then the requester's contact fields and company name.

const FRESHDESK_HEADER = [
  "Ticket ID",
  "Subject",
  "Description",
  "Status",
  "Priority",
  "Source",
  "Type",
  "Agent",
  "Group",
  "Created time",
  "Due by Time",
  "Resolved time",
  "Closed time",
  "Last update time",
  "Initial response time",
  "Time tracked",
  "First response time (in hrs)",
  "Resolution time (in hrs)",
  "Agent interactions",
  "Customer interactions",
  "Resolution status",
  "First response status",
  "Tags",
  "Survey results",
  "Product",
  "Full name",
  "Email",
  "Work phone",
  "Mobile phone",
  "Contact ID",
  "Company Name",
];

const FRESHDESK_PRIORITY = (level: number) => ["Low", "Medium", "High", "Urgent"][Math.max(level, 0)];
const FRESHDESK_STATUS = {
  new: "Open",
  open: "Open",
  pending: "Pending",
  hold: "Pending",
  solved: "Resolved",
  closed: "Closed",
};
const FRESHDESK_SOURCE = ["Email", "Email", "Email", "Portal", "Portal", "Phone", "Chat", "Feedback Widget"];
const FRESHDESK_TYPE: Record<Kind, readonly string[]> = {
  outage: ["Incident", "Problem"],
  data: ["Incident", "Problem"],
  security: ["Incident"],
  login: ["Incident", "Question"],
  broken: ["Problem", "Incident"],
  billing: ["Question"],
  question: ["Question"],
  feature: ["Feature Request"],
  cosmetic: ["Problem", "Feature Request"],
};
/** Freshdesk's default SLA, in hours to resolve, by priority level. */
const SLA_HOURS = [72, 48, 24, 4];

function freshdesk(): string {
  const rng = new Random(0xf2e5d1);
  const { list, priority } = tickets(rng, 0, 3);
  const last = list[list.length - 1].created;
  let id = 5_120;
  const rows = list.map((t, i) => {
    id += rng.int(1, 2);
    const status = progress(rng, t.created, last);
    const answered = status !== "new";
    const firstResponse = rng.int(3, 1200);
    const done = status === "solved" || status === "closed";
    const resolution = done ? rng.int(20, 15_000) : 0;
    const resolvedAt = t.created + resolution * 60_000;
    const closedAt = status === "closed" ? resolvedAt + 2 * 24 * HOUR : 0;
    const sla = SLA_HOURS[Math.max(t.level, 0)];
    const tags = t.kind === "feature" || t.kind === "cosmetic" ? "feedback" : rng.chance(0.4) ? TAGS[t.kind] : "";
    return [
      id,
      t.subject,
      t.paragraphs.join("\n\n"),
      FRESHDESK_STATUS[status],
      priority(i, FRESHDESK_PRIORITY),
      rng.pick(FRESHDESK_SOURCE),
      rng.pick(FRESHDESK_TYPE[t.kind]),
      answered ? t.agent.name : "",
      answered ? GROUPS[t.kind] : "",
      isoish(t.created),
      isoish(t.created + sla * HOUR),
      done ? isoish(resolvedAt) : "",
      closedAt ? isoish(closedAt) : "",
      isoish(closedAt || (done ? resolvedAt : t.created + rng.int(1, 48) * HOUR)),
      answered ? isoish(t.created + firstResponse * 60_000) : "",
      hms(answered ? rng.int(0, 8) * 5 : 0),
      answered ? hms(firstResponse * 0.6) : "",
      done ? hms(resolution * 0.5) : "",
      answered ? rng.int(1, 6) : 0,
      rng.int(1, 5),
      done ? (resolution / 60 <= sla ? "Within SLA" : "SLA Violated") : "",
      answered ? (firstResponse <= 240 ? "Within SLA" : "SLA Violated") : "",
      tags.split(" ").filter((x) => x).join(","),
      done && rng.chance(0.3) ? rng.pick(["Awesome", "Just Okay", "Not Good"]) : "",
      rng.pick(["Web app", "Web app", "Mobile app", "API"]),
      t.requester.name,
      t.requester.email,
      rng.chance(0.7) ? t.requester.phone : "",
      rng.chance(0.3) ? t.requester.mobile : "",
      t.requester.id,
      t.requester.company,
    ];
  });
  return csv(FRESHDESK_HEADER, rows, "\n");
}

// ---------------------------------------------------------------------------------------------------------------
// Jira Service Management: an "all fields"-style export of a service project, narrowed to the usual columns, with
// repeated Component/s, Labels and Watchers headers. Newest issue first, as a filter sorted by created date.

const JIRA_HEADER = [
  "Summary",
  "Issue key",
  "Issue id",
  "Issue Type",
  "Status",
  "Project key",
  "Project name",
  "Project type",
  "Project lead",
  "Project description",
  "Priority",
  "Resolution",
  "Assignee",
  "Reporter",
  "Creator",
  "Created",
  "Updated",
  "Last Viewed",
  "Resolved",
  "Component/s",
  "Component/s",
  "Due date",
  "Votes",
  "Labels",
  "Labels",
  "Description",
  "Environment",
  "Watchers",
  "Watchers",
];

const JIRA_PRIORITY = (level: number) => ["Lowest", "Low", "Medium", "High", "Highest"][level + 1];
const JIRA_STATUS = {
  new: "Waiting for support",
  open: "In Progress",
  pending: "Waiting for customer",
  hold: "Escalated",
  solved: "Resolved",
  closed: "Closed",
};
const COMPONENTS: Record<Kind, readonly string[]> = {
  outage: ["Platform", "API", "Web app"],
  data: ["Data sync", "Platform"],
  security: ["Security", "Accounts"],
  login: ["Accounts", "SSO"],
  broken: ["Web app", "Reports", "Integrations", "Import/Export"],
  billing: ["Billing"],
  question: ["Accounts", "Web app", "API"],
  feature: ["Web app", "Reports"],
  cosmetic: ["Web app", "Localization"],
};
const JIRA_TYPE: Record<Kind, string> = {
  outage: "Incident",
  data: "Incident",
  security: "Incident",
  login: "Service request",
  broken: "Bug",
  billing: "Service request",
  question: "Service request",
  feature: "Task",
  cosmetic: "Bug",
};

function jira(): string {
  const rng = new Random(0x71a0);
  const { list, agents, priority } = tickets(rng, -1, 3);
  const last = list[list.length - 1].created;
  const lead = agents[0];
  let issueId = 10_233;
  const rows = list.map((t, i) => {
    issueId += rng.int(1, 3);
    const status = progress(rng, t.created, last);
    const done = status === "solved" || status === "closed";
    const resolvedAt = t.created + rng.int(30, 20_000) * 60_000;
    const updated = done ? resolvedAt + (status === "closed" ? 3 * 24 * HOUR : 0) : t.created + rng.int(1, 96) * HOUR;
    const components = COMPONENTS[t.kind];
    const first = rng.pick(components);
    const second = components.length > 1 && rng.chance(0.25) ? rng.pick(components.filter((c) => c !== first)) : "";
    const labels = [TAGS[t.kind].split(" ")[0], rng.chance(0.3) ? rng.pick(["customer", "sla", "emea", "vip"]) : ""];
    const watcher = rng.chance(0.4) ? rng.pick(agents.filter((a) => a !== t.agent)).name : "";
    const description = t.paragraphs.join("\n\n") +
      (t.multiLine && SEEN_IN_BROWSER.has(t.kind) && rng.chance(0.6)
        ? "\n\nh3. Steps\n* open the page\n* wait\n* see the error"
        : "");
    return {
      created: t.created,
      row: [
        t.subject,
        `SUP-${101 + i}`,
        issueId,
        JIRA_TYPE[t.kind],
        JIRA_STATUS[status],
        "SUP",
        "Customer Support",
        "service_desk",
        lead.name,
        "Tickets from customers, triaged by the support team",
        priority(i, JIRA_PRIORITY),
        done ? (rng.chance(0.85) ? "Done" : rng.pick(["Won't Do", "Duplicate", "Cannot Reproduce"])) : "",
        status === "new" ? "" : t.agent.name,
        t.requester.name,
        rng.chance(0.85) ? t.requester.name : t.agent.name,
        jiraDate(t.created),
        jiraDate(updated),
        rng.chance(0.6) ? jiraDate(updated + rng.int(1, 48) * HOUR) : "",
        done ? jiraDate(resolvedAt) : "",
        first,
        second,
        t.kind === "billing" || t.kind === "security" ? jiraDay(t.created + 5 * 24 * HOUR) : "",
        rng.chance(0.15) ? rng.int(1, 4) : 0,
        labels[0],
        labels[1],
        description,
        t.kind === "outage" || t.kind === "broken" ? `${rng.pick(WORDS.browser)}, production` : "",
        t.requester.name,
        watcher,
      ],
    };
  });
  rows.sort((a, b) => b.created - a.created);
  return csv(JIRA_HEADER, rows.map((r) => r.row), "\r\n");
}

// ---------------------------------------------------------------------------------------------------------------

/** The three files by name, as they are written. */
export function makeExports(): Record<string, string> {
  return { "zendesk_export.csv": zendesk(), "freshdesk_export.csv": freshdesk(), "jira_export.csv": jira() };
}

if (import.meta.main) {
  runCommand(async () => {
    const { values } = commandLine(HELP, { out: { type: "string" } });
    const dir = values.out ?? `${ROOT}samples`;
    for (const [name, text] of Object.entries(makeExports())) {
      await Deno.writeTextFile(`${dir}/${name}`, text);
      console.log(`${dir}/${name}: ${TICKETS} tickets, ${new TextEncoder().encode(text).length} bytes`);
    }
  });
}
