/**
 * What a ticket's text (subject and description as one, `features.ts`) says besides its words: the language it is
 * written in and its sentiment, read in the same pass as its words (`text.ts`). Both are features of the model and
 * are stored with every ticket. Chosen by measurement (docs/model.md):
 *
 * - **Sentiment** is AFINN-165, the word list of the npm `sentiment` library, scored the library's way (the sum
 *   of the words' valences, a word after a negator such as "not" or "don't" counting the other way), looked up
 *   by word hash so that no word becomes a string.
 * - **Language** comes from the text's common function words ("the", "und", "que"...) when they settle
 *   it, and otherwise from `eld` (its smallest database) on the first 80 characters. Most tickets are settled by
 *   their function words at a fraction of eld's cost.
 *
 * @module
 */
import { eld } from "eld/extrasmall";
import labels from "sentiment/languages/en/labels.json" with { type: "json" };
import negators from "sentiment/languages/en/negators.json" with { type: "json" };
import { TEXT_SEED, type TextReading, type WordEntry, wordHash, WordLists } from "./text.ts";

/** The languages the model tells apart (ISO 639-1); any other is the feature group's "other". */
export const LANGUAGES = ["en", "es", "fr", "de", "it", "pt", "nl"] as const;

/**
 * Common function words of each language in {@linkcode LANGUAGES}: frequent, short, and rare as words of the
 * others (a word two languages share counts for both).
 */
const FUNCTION_WORDS: Record<typeof LANGUAGES[number], string> = {
  en: "the and is are was were to of in it my i you this that with for have has not on be can me please your but " +
    "it's i'm don't can't an at from or would will there what",
  es: "el la los las de que y en un una es por con para mi no se lo del al pero muy está gracias como más yo " +
    "tengo hola",
  fr: "le la les de des et est un une je pas que pour dans mon ma avec sur ce il vous ne merci du au qui j'ai " +
    "c'est bonjour",
  de: "der die das und ist nicht ich ein eine zu mit mein es den dem auf für sie wir von im bitte danke auch aber " +
    "hallo habe",
  it: "il la di che è non un una per con mio mia sono ho del della lo gli ma anche grazie ciao questo",
  pt: "os de que é não um uma para com meu minha do da em no na por mas obrigado está olá tenho você",
  nl: "de het een en is niet ik van dat met mijn op voor zijn er maar ook bedankt dank je wij we hallo heb",
};

/** The word lists a ticket's text is read with. */
export const WORD_LISTS: WordLists = (() => {
  const words = new Map<number, WordEntry>();
  const entry = (word: string) => {
    const hash = wordHash(word, TEXT_SEED);
    const known = words.get(hash) ?? {};
    words.set(hash, known);
    return known;
  };
  for (const [word, value] of Object.entries(labels as Record<string, number>)) {
    if (!word.includes(" ")) entry(word).valence = value;
  }
  for (const word of Object.keys(negators)) entry(word).negator = true;
  LANGUAGES.forEach((language, index) => {
    for (const word of FUNCTION_WORDS[language].split(" ")) {
      const known = entry(word);
      known.languages = (known.languages ?? 0) | (1 << index);
    }
  });
  return new WordLists(words, LANGUAGES.length);
})();

/**
 * How much of a text eld reads: on eld's own benchmark a text's start detects about as well as the whole text, in
 * less time.
 */
const LANGUAGE_SAMPLE_CHARS = 80;

/**
 * The text's language (ISO 639-1), or null when its text is too short or mixed to tell. Its function words
 * settle it when at least three of them agree and outnumber the runner-up's two to one (nearly always right, on eld's
 * tweets benchmark); otherwise eld decides.
 */
export function languageOf(reading: TextReading, text: string): string | null {
  const votes = reading.languageVotes;
  let best = 0, second = 0, bestIndex = -1;
  for (let l = 0; l < LANGUAGES.length; l++) {
    if (votes[l] > best) {
      second = best;
      best = votes[l];
      bestIndex = l;
    } else if (votes[l] > second) {
      second = votes[l];
    }
  }
  if (best >= 3 && best >= 2 * second) return LANGUAGES[bestIndex];
  const result = eld.detect(text.length > LANGUAGE_SAMPLE_CHARS ? text.slice(0, LANGUAGE_SAMPLE_CHARS) : text);
  return result.language !== "" && result.isReliable() ? result.language : null;
}

/**
 * The text's sentiment from -1 (angry) to 1 (pleased): its AFINN valence squashed by `tanh(valence / 5)`,
 * so one strongly negative word reads about -0.76 and a calm text 0.
 */
export function sentimentOf(reading: TextReading): number {
  return Math.tanh(reading.valence / 5);
}
