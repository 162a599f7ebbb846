/**
 * The value sets of the bundled export (`samples/tickets.csv`): its genders, ticket types, channels, statuses, 16
 * subjects and 42 products. Generated test tickets draw from them; the model does not know them (it learns its
 * vocabularies from whatever it is trained on).
 *
 * @module
 */

/** Customer genders seen in the data. */
export const GENDERS = ["Male", "Female", "Other"] as const;

/** Ticket types seen in the data. */
export const TICKET_TYPES = [
  "Technical issue",
  "Billing inquiry",
  "Cancellation request",
  "Product inquiry",
  "Refund request",
] as const;

/** Ticket channels seen in the data. */
export const CHANNELS = ["Email", "Phone", "Chat", "Social media"] as const;

/** Ticket statuses seen in the data. */
export const STATUSES = ["Open", "Closed", "Pending Customer Response"] as const;

/** The 16 ticket subjects of the bundled datasets. */
export const SUBJECTS = [
  "Account access",
  "Battery life",
  "Cancellation request",
  "Data loss",
  "Delivery problem",
  "Display issue",
  "Hardware issue",
  "Installation support",
  "Network problem",
  "Payment issue",
  "Peripheral compatibility",
  "Product compatibility",
  "Product recommendation",
  "Product setup",
  "Refund request",
  "Software bug",
] as const;

/** The 42 products of the bundled export. */
export const PRODUCTS = [
  "Adobe Photoshop",
  "Amazon Echo",
  "Amazon Kindle",
  "Apple AirPods",
  "Asus ROG",
  "Autodesk AutoCAD",
  "Bose QuietComfort",
  "Bose SoundLink Speaker",
  "Canon DSLR Camera",
  "Canon EOS",
  "Dell XPS",
  "Dyson Vacuum Cleaner",
  "Fitbit Charge",
  "Fitbit Versa Smartwatch",
  "Garmin Forerunner",
  "GoPro Action Camera",
  "GoPro Hero",
  "Google Nest",
  "Google Pixel",
  "HP Pavilion",
  "LG OLED",
  "LG Smart TV",
  "LG Washing Machine",
  "Lenovo ThinkPad",
  "MacBook Pro",
  "Microsoft Office",
  "Microsoft Surface",
  "Microsoft Xbox Controller",
  "Nest Thermostat",
  "Nikon D",
  "Nintendo Switch",
  "Nintendo Switch Pro Controller",
  "Philips Hue Lights",
  "PlayStation",
  "Roomba Robot Vacuum",
  "Samsung Galaxy",
  "Samsung Soundbar",
  "Sony 4K HDR TV",
  "Sony PlayStation",
  "Sony Xperia",
  "Xbox",
  "iPhone",
] as const;
