// Types of han-wasm/element: importing it defines <han-highlight>.
/// <reference lib="dom" />
import type { HighlightView, Prediction } from './index.js';

/**
 * `<han-highlight model="URL?" view="combined|word|sentence">text</han-highlight>`: its text,
 * classified and shaded by attention. Fires `prediction` (a CustomEvent whose detail is the
 * prediction) after each analysis and `error` (an ErrorEvent) when the model fails to load.
 */
export class HanHighlightElement extends HTMLElement {
  /** Reflects the view attribute; 'combined' when it is missing or unknown. */
  view: HighlightView;
  /** The prediction shown, or null before the model has answered. */
  readonly prediction: Prediction | null;
  /** The text analysed: the element's text with whitespace collapsed. */
  readonly text: string;
}

declare global {
  interface HTMLElementTagNameMap {
    'han-highlight': HanHighlightElement;
  }
}
