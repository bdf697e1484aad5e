// Types of han-wasm/element: importing it defines <han-highlight>.
/// <reference lib="dom" />
import type { ExplainMethod, Explanation, HighlightView, Prediction } from './index.js';

/**
 * `<han-highlight model="URL?" view="combined|word|sentence" method="attention|occlusion|…">text
 * </han-highlight>`: its text, classified and shaded by attention, or by the weights of another
 * model.explain method. Fires `prediction` (a CustomEvent whose detail is the prediction, or the
 * explanation) after each analysis and `error` (an ErrorEvent) when the model fails to load or
 * the method is unknown; the element then shows its text below a line saying what failed.
 */
export class HanHighlightElement extends HTMLElement {
  /** Reflects the view attribute; 'combined' when it is missing or unknown. */
  view: HighlightView;
  /** Reflects the method attribute; 'attention' when it is missing. The view applies to
   * attention only: other methods shade by their own weights. */
  method: ExplainMethod;
  /** The prediction shown (an Explanation for a method other than attention), or null before
   * the model has answered. */
  readonly prediction: Prediction | Explanation | null;
  /** The text analysed: the element's text with whitespace collapsed. */
  readonly text: string;
}

declare global {
  interface HTMLElementTagNameMap {
    'han-highlight': HanHighlightElement;
  }
}
