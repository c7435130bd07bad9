// Field errors of the API ({"error": {"field": "video.width", …}}) shown
// next to the form control they name. A control says which fields it
// answers for with data-field; the longest one that is the error's field
// or a prefix of it ("outputs.rtmp" for "outputs.rtmp[1]") wins, else the
// first control inside the field ("video.width" for "video"). Its message
// goes into the .field-error element after the control.

// clearFieldErrors empties every field error of form.
export function clearFieldErrors(form) {
  for (const e of form.querySelectorAll('.field-error')) {
    e.textContent = '';
    e.hidden = true;
  }
  for (const c of form.querySelectorAll('[aria-invalid]')) c.removeAttribute('aria-invalid');
}

// showFieldError shows err (an Error from api.js request, with .field) on
// the control of form that answers for its field, and reports whether one
// did; without a field or a control the caller shows it elsewhere.
export function showFieldError(form, err) {
  const control = controlFor(form, err && err.field);
  if (!control) return false;
  const slot = errorSlot(control);
  // Next to the field its name is clear: "participant: no …" → "no …".
  const prefix = err.field + ': ';
  slot.textContent = err.message.startsWith(prefix) ? err.message.slice(prefix.length) : err.message;
  slot.hidden = false;
  control.setAttribute('aria-invalid', 'true');
  return true;
}

// controlFor finds the control that answers for field; for a field that
// groups others ("video" for "video.width"), the group's first control.
function controlFor(form, field) {
  if (!field) return null;
  const controls = [...form.querySelectorAll('[data-field]')];
  let best = null;
  let bestLength = -1;
  for (const c of controls) {
    const f = c.dataset.field;
    if (f.length > bestLength && covers(f, field)) {
      best = c;
      bestLength = f.length;
    }
  }
  return best || controls.find((c) => covers(field, c.dataset.field)) || null;
}

// covers reports whether the control's field f names field or a part of
// it: "outputs.rtmp" covers "outputs.rtmp[0].url", not "outputs.rtmpx".
export function covers(f, field) {
  if (f === field) return true;
  return field.startsWith(f) && (field[f.length] === '.' || field[f.length] === '[');
}

function errorSlot(control) {
  const next = control.nextElementSibling;
  if (next && next.classList.contains('field-error')) return next;
  const slot = document.createElement('span');
  slot.className = 'field-error small error-text';
  slot.setAttribute('data-test', 'field-error');
  slot.setAttribute('role', 'alert');
  control.after(slot);
  return slot;
}
