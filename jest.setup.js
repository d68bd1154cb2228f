/*
 * Runs before each test file (jest.config.js `setupFiles`).
 *
 * jsdom has no asynchronous Clipboard API (`navigator.clipboard`); browsers
 * provide it on secure pages. @jupyterlab/apputils checks for it when it is
 * imported and warns "Clipboard API not available" in every suite that
 * imports it. Provide an in-memory one with the text methods apputils uses.
 */
class InMemoryClipboard extends EventTarget {
  _text = '';

  async readText() {
    return this._text;
  }

  async writeText(text) {
    this._text = String(text);
  }
}

if (!navigator.clipboard) {
  Object.defineProperty(navigator, 'clipboard', {
    configurable: true,
    value: new InMemoryClipboard()
  });
}
