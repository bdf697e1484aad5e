// Types of han-wasm/render: the highlighted review as DOM (browsers).
/// <reference lib="dom" />
import type { HighlightView, Prediction } from './index.js';

export type { HighlightView };

export interface RenderOptions {
  /** Default 'combined'; switch later by setting the returned element's data-view attribute. */
  view?: HighlightView;
  /** Add a legend above the text. Default false. */
  legend?: boolean;
  /** The document to create elements in. Default: the global document. */
  document?: Document;
}

/**
 * `text` (the text that was predicted) with every word shaded by its attention, a bar before each
 * sentence for its weight, and a tooltip with the exact weights on hover and keyboard focus.
 * Style it by adopting the stylesheet with adoptHighlightStyles. Given an Explanation (it is a
 * Prediction), the shading is its method's weights in every view, those against the label in
 * blue, and the root's data-method names the method.
 */
export function renderHighlight(
  text: string,
  prediction: Prediction,
  options?: RenderOptions,
): HTMLDivElement;

/** Adds the highlighting's stylesheet to a document or shadow root, once. */
export function adoptHighlightStyles(root?: Document | ShadowRoot): void;
