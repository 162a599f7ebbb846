// What the live model is worth, said the same way on every page that shows its predictions: whether it beats
// chance on tickets held out from its training, and what that means for the tickets it scored.
import { el } from "./dom.js";
import { formatPercent } from "./format.js";

/** The chance test of a model card (`review.chance`), or null without a model card. */
export function chanceTest(card) {
  return card?.review?.chance ?? null;
}

/** True when the live model beats chance on held-out tickets; false when it does not; null when unknown. */
export function beatsChance(card) {
  const test = chanceTest(card);
  return test == null ? null : test.better_than_chance === true;
}

/**
 * A note for the top of a page that shows predictions: a warning when the model is no better than chance (its
 * predictions are shown, every ticket goes to review), else what the review threshold means.
 */
export function modelNote(card) {
  const test = chanceTest(card);
  if (test == null) {
    return el`
      <div class="warning" id="model-note">
        <p>No model metadata: how good the model is cannot be said.</p>
      </div>
    `;
  }
  const figures = `held-out macro-F1 ${formatPercent(test.macro_f1)} against ${
    formatPercent(test.chance_macro_f1)
  } for chance (p = ${test.p_value})`;
  if (!test.better_than_chance) {
    return el`
      <div class="warning" id="model-note" data-beats-chance="false">
        <p><strong>The live model is not better than chance</strong> (${figures}). The predicted priorities below are
            what it guessed, not something to act on: every ticket is sent to review for a person to set its priority.</p>
      </div>
    `;
  }
  const threshold = card.review?.threshold;
  const coverage = card.review?.held_out?.coverage;
  return el`
    <div class="note" id="model-note" data-beats-chance="true">
      <p>The live model beats chance (${figures}). It assigns a priority when its calibrated confidence is at least
        ${formatPercent(threshold)}, as it was for ${
    formatPercent(
      coverage,
    )
  } of held-out tickets, with a target precision
        of ${formatPercent(card.review?.target_precision)}; the other tickets are sent to review.</p>
    </div>
  `;
}
