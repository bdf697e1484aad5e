// <han-highlight>: a text shaded by a HAN model's attention, for pages without a build step.
//
//   <script type="module" src="node_modules/han-wasm/src/element.js"></script>
//   <han-highlight model="my-model.han">A wonderful film. I loved it!</han-highlight>
//   <han-highlight method="occlusion">A wonderful film. I loved it!</han-highlight>
//
// Without a model attribute it uses the bundled IMDB sentiment model; without a method, attention
// (any other model.explain method shades by its weights). Importing this module defines the
// element; predictions run on the page's thread, which suits texts of blog size (integrated
// gradients on a long text takes a moment: use a worker and renderHighlight for that).
import { VIEWS, checkView, describeLabel, describeMethod } from './highlight.js';
import { loadModel } from './index.js';
import { adoptHighlightStyles, renderHighlight } from './render.js';

const HOST_STYLES = `
:host { display: block; }
.han-label { margin: 0 0 0.3em; font-weight: 600; }
.han-error { margin: 0 0 0.3em; color: #a4262c; font-size: 0.875em; }
`;

// Model URL ('' for the bundled model), and whether it is loaded with gradients -> Promise of the
// model, shared by the page's elements.
const models = new Map();
let hostStyles;

// The methods that need the backward pass, which only the package's trainer build has.
const GRADIENT_METHODS = ['gradient-input', 'integrated-gradients'];

function sharedModel(url, method) {
  const gradients = GRADIENT_METHODS.includes(method);
  const key = `${gradients ? 'gradients' : 'inference'} ${url}`;
  let model = models.get(key);
  if (!model) {
    model = loadModel(url || undefined, { gradients });
    model.catch(() => models.delete(key)); // let a later element try again
    models.set(key, model);
  }
  return model;
}

export class HanHighlightElement extends HTMLElement {
  static observedAttributes = ['model', 'view', 'method'];

  #shadow = this.attachShadow({ mode: 'open' });
  #observer = new MutationObserver(() => this.#update());
  #prediction = null;
  #highlight = null;
  #updates = 0;

  constructor() {
    super();
    if (!hostStyles) {
      hostStyles = new CSSStyleSheet();
      hostStyles.replaceSync(HOST_STYLES);
    }
    adoptHighlightStyles(this.#shadow);
    this.#shadow.adoptedStyleSheets = [...this.#shadow.adoptedStyleSheets, hostStyles];
    this.#showPlainText();
  }

  connectedCallback() {
    this.#observer.observe(this, { childList: true, characterData: true, subtree: true });
    this.#update();
  }

  disconnectedCallback() {
    this.#observer.disconnect();
  }

  attributeChangedCallback(name) {
    if (name === 'view') {
      if (this.#highlight) this.#highlight.dataset.view = this.view;
    } else if (this.isConnected) {
      this.#update();
    }
  }

  /** 'word', 'sentence' or 'combined' (the default, also for unknown values). */
  get view() {
    const view = this.getAttribute('view');
    return VIEWS.includes(view) ? view : 'combined';
  }

  set view(view) {
    checkView(view, 'han-highlight');
    this.setAttribute('view', view);
  }

  /** 'attention' (the default) or another method of model.explain, as the attribute says. */
  get method() {
    return this.getAttribute('method') || 'attention';
  }

  set method(method) {
    this.setAttribute('method', method);
  }

  /** The prediction shown (an explanation with a method other than attention), or null before
   * the model has answered. */
  get prediction() {
    return this.#prediction;
  }

  /** The text analysed: the element's text with whitespace collapsed, as the page shows it. */
  get text() {
    return this.textContent.replace(/[ \t\n\r\f]+/g, ' ').trim();
  }

  async #update() {
    const update = ++this.#updates;
    const text = this.text;
    try {
      const { method } = this;
      const model = await sharedModel(this.#modelURL(), method);
      if (update !== this.#updates) return; // a newer text or model took over
      if (!text) {
        this.#showPlainText();
        return;
      }
      // Attention is the prediction's own, with its views; other methods give an explanation.
      const prediction =
        method === 'attention' ? model.predict(text) : model.explain(text, { method, topWords: 0 });
      const label = document.createElement('p');
      label.className = 'han-label';
      label.part.add('label');
      const by = describeMethod(prediction);
      label.textContent = describeLabel(prediction) + (by ? ` · weights by ${by}` : '');
      this.#highlight = renderHighlight(text, prediction, { view: this.view });
      this.#prediction = prediction;
      this.#shadow.replaceChildren(label, this.#highlight);
      this.dispatchEvent(new CustomEvent('prediction', { detail: prediction }));
    } catch (error) {
      if (update !== this.#updates) return;
      this.#showPlainText(error.message);
      console.error('han-highlight:', error);
      this.dispatchEvent(new ErrorEvent('error', { error, message: error.message }));
    }
  }

  // The element's own text, as written, until there is a prediction to show; after a failure,
  // below a line saying what failed.
  #showPlainText(failure) {
    this.#prediction = null;
    this.#highlight = null;
    const slot = document.createElement('slot');
    if (failure === undefined) {
      this.#shadow.replaceChildren(slot);
      return;
    }
    const message = document.createElement('p');
    message.className = 'han-error';
    message.part.add('error');
    message.setAttribute('role', 'alert');
    message.textContent = `Cannot highlight this text: ${failure}`;
    this.#shadow.replaceChildren(message, slot);
  }

  #modelURL() {
    const model = this.getAttribute('model');
    return model ? new URL(model, document.baseURI).href : '';
  }
}

if (!customElements.get('han-highlight')) {
  customElements.define('han-highlight', HanHighlightElement);
}
