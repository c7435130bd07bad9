// The console's Start form: record and/or stream a room (POST /v1/egress)
// with a layout, a canvas size and RTMP targets. An API error that names a
// field is shown next to that field (fields.js).

import { request } from './api.js';
import { busy, el } from './dom.js';
import { clearFieldErrors, showFieldError } from './fields.js';

const $ = (id) => document.getElementById(id);

export class EgressForm {
  // say(text, kind) shows a status message; onStarted(job) is called with
  // the job the API created.
  constructor(say, onStarted) {
    this.say = say;
    this.onStarted = onStarted;
    this.form = $('egress-form');
    this.room = $('egress-room');
    this.layout = $('egress-layout');
    this.participant = $('egress-participant');
    this.form.addEventListener('submit', (e) => {
      e.preventDefault();
      busy($('egress-start'), () => this.submit());
    });
    this.layout.addEventListener('change', () => this.showParticipant());
    this.showParticipant();
  }

  // setRooms offers the rooms in the room picker, keeping the choice.
  setRooms(names) {
    const chosen = this.room.value;
    const same = this.room.options.length === names.length && names.every((n, i) => this.room.options[i].value === n);
    if (same) return;
    this.room.replaceChildren(...names.map((n) => el('option', { value: n }, n)));
    if (names.includes(chosen)) this.room.value = chosen;
  }

  // prefill picks room and brings the form into view.
  prefill(room) {
    if (![...this.room.options].some((o) => o.value === room)) this.room.append(el('option', { value: room }, room));
    this.room.value = room;
    this.form.scrollIntoView({ block: 'nearest' });
    this.layout.focus();
  }

  showParticipant() {
    this.participant.closest('label').hidden = this.layout.value !== 'single';
  }

  // spec builds the request from the form.
  spec() {
    const spec = {
      room: this.room.value,
      layout: this.layout.value,
      video: { width: Number($('egress-width').value) || 0, height: Number($('egress-height').value) || 0 },
      outputs: {},
    };
    if (spec.layout === 'single') spec.participant = this.participant.value.trim();
    const targets = $('egress-rtmp').value.split('\n').map((s) => s.trim()).filter(Boolean);
    if (targets.length) spec.outputs.rtmp = targets;
    if ($('egress-record').checked) spec.outputs.record = { segment_seconds: 4 };
    return spec;
  }

  async submit() {
    clearFieldErrors(this.form);
    const spec = this.spec();
    let job;
    try {
      job = await (await request('POST', '/v1/egress', spec)).json();
    } catch (e) {
      const shown = showFieldError(this.form, e);
      this.say(`Could not start: ${e.message}`, 'error');
      if (!shown && e.field) console.info('roomcast: no form field for', e.field);
      return;
    }
    $('egress-rtmp').value = '';
    this.say(`Started ${describeOutputs(spec)} of room ${spec.room} (${job.id}).`, 'ok');
    this.onStarted(job);
  }
}

function describeOutputs(spec) {
  const parts = [];
  if (spec.outputs.record) parts.push('a recording');
  const n = (spec.outputs.rtmp || []).length;
  if (n) parts.push(`${n} stream${n === 1 ? '' : 's'}`);
  return parts.join(' and ') || 'a job';
}
