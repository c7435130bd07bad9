// Copying a secret the console shows once (a join link, a new API key) to
// the clipboard, without logging or keeping it anywhere else.

import { busy } from './dom.js';

// copyInput copies the value of a read-only input and says so on the
// button for a moment. Where the Clipboard API is refused, the value is
// selected so that the user can copy it by hand.
export function copyInput(input, btn) {
  return busy(btn, async () => {
    const label = btn.textContent;
    try {
      await navigator.clipboard.writeText(input.value);
      btn.textContent = 'Copied';
    } catch (e) {
      input.focus();
      input.select();
      btn.textContent = 'Press Ctrl+C';
    }
    setTimeout(() => { btn.textContent = label; }, 1500);
  });
}
