// A room's Join link: a small form that mints a participant's join token
// (POST /v1/rooms/{room}/tokens → {"token", "expires_at"}) and shows the
// link to hand out, /rooms/<room>#token=<token>, with Copy and Open. The
// token sits in the fragment, so it never reaches a server log. It lives
// only in the link field and the Open link: it is neither logged nor
// stored, and closing the form forgets it.

import { request } from './api.js';
import { el, button, busy, testable } from './dom.js';
import { copyInput } from './copy.js';
import { clearFieldErrors, showFieldError } from './fields.js';
import { formatTime } from './format.js';

// lifetimes are the token lives offered, in seconds; the server caps them
// (api.token_max_ttl, 24 h by default).
const lifetimes = [[900, '15 min'], [3600, '1 hour'], [8 * 3600, '8 hours'], [24 * 3600, '24 hours']];

// joinLinkURL is the room page's link for token.
export function joinLinkURL(room, token) {
  return location.origin + '/rooms/' + encodeURIComponent(room) + '#token=' + encodeURIComponent(token);
}

// JoinLink fills a room's join-link slot (rooms.js joinLinkSlot).
export class JoinLink {
  // say(text, kind) shows a status message.
  constructor(slot, room, say) {
    this.room = room;
    this.say = say;
    this.toggle = testable(button('Join link…', () => this.setOpen(this.form.hidden)), 'room-join-link');
    this.form = this.buildForm();
    slot.append(this.toggle, this.form);
  }

  buildForm() {
    const field = (f, test, props = {}) => el('input', { 'data-field': f, 'data-test': test, ...props });
    this.name = field('name', 'join-link-name', { placeholder: 'Optional: fixed for the link', maxlength: 64 });
    this.publish = field('publish', 'join-link-publish', { type: 'checkbox', checked: true });
    this.subscribe = field('subscribe', 'join-link-subscribe', { type: 'checkbox', checked: true });
    this.ttl = el('select', { 'data-field': 'ttl_seconds', 'data-test': 'join-link-ttl' },
      ...lifetimes.map(([s, label]) => el('option', { value: s, selected: s === 3600 }, label)));
    this.make = el('button', { type: 'submit', 'data-test': 'join-link-make' }, 'Make link');
    this.result = this.buildResult();
    const form = el('form', { class: 'popover', autocomplete: 'off', 'data-test': 'join-link-form', hidden: true },
      el('label', {}, 'Participant name', this.name),
      el('div', { class: 'row' },
        el('label', { class: 'check' }, this.publish, ' Publish'),
        el('label', { class: 'check' }, this.subscribe, ' Subscribe')),
      el('label', {}, 'Link works for', this.ttl),
      el('div', { class: 'row' }, this.make, testable(button('Close', () => this.setOpen(false)), 'join-link-close')),
      this.result);
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      busy(this.make, () => this.mint());
    });
    return form;
  }

  buildResult() {
    this.url = el('input', { readonly: true, 'aria-label': 'Join link', 'data-test': 'join-link-url' });
    this.open = el('a', { class: 'button secondary', target: '_blank', rel: 'noopener noreferrer', 'data-test': 'join-link-open' }, 'Open');
    this.copy = testable(button('Copy', () => copyInput(this.url, this.copy)), 'join-link-copy');
    this.expires = el('p', { class: 'small muted', 'data-test': 'join-link-expires' });
    return el('div', { class: 'result', hidden: true }, el('div', { class: 'row' }, this.url, this.copy, this.open), this.expires);
  }

  // setOpen shows or hides the form; hiding forgets the link.
  setOpen(open) {
    this.form.hidden = !open;
    this.toggle.setAttribute('aria-expanded', String(open));
    if (open) {
      this.name.focus();
      return;
    }
    this.forget();
    clearFieldErrors(this.form);
  }

  forget() {
    this.url.value = '';
    this.open.removeAttribute('href');
    this.result.hidden = true;
  }

  async mint() {
    clearFieldErrors(this.form);
    this.forget();
    const body = {
      name: this.name.value.trim(),
      publish: this.publish.checked,
      subscribe: this.subscribe.checked,
      ttl_seconds: Number(this.ttl.value),
    };
    let minted;
    try {
      minted = await (await request('POST', '/v1/rooms/' + encodeURIComponent(this.room) + '/tokens', body)).json();
    } catch (e) {
      showFieldError(this.form, e);
      this.say(`Could not make a join link for ${this.room}: ${e.message}`, 'error');
      return;
    }
    const link = joinLinkURL(this.room, minted.token);
    this.url.value = link;
    this.open.href = link;
    this.expires.textContent = `Anyone with this link can ${abilities(body)} until ${formatTime(minted.expires_at)}.`;
    this.result.hidden = false;
    this.url.select();
    this.say(`Made a join link for room ${this.room}.`, 'ok');
  }
}

function abilities(body) {
  if (body.publish && body.subscribe) return 'join the room with camera and microphone and watch it';
  return body.publish ? 'send camera and microphone to the room' : 'watch the room';
}
