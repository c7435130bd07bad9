// Small DOM builders for the console. Children given as strings become
// text nodes, so server data is never parsed as HTML.

// el creates an element. In props, "class" sets the class name, "text" the
// text content, true adds a bare attribute, false and null skip it; any
// other key is set as an attribute.
export function el(tag, props = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (v === false || v === null || v === undefined) continue;
    if (k === 'class') e.className = v;
    else if (k === 'text') e.textContent = String(v);
    else e.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    e.append(typeof c === 'object' ? c : String(c));
  }
  return e;
}

// button creates a type="button" button that calls onClick.
export function button(text, onClick, className = 'secondary') {
  const b = el('button', { type: 'button', class: className, text });
  b.addEventListener('click', onClick);
  return b;
}

// busy disables a button while work runs, and enables it again after.
export async function busy(btn, work) {
  btn.disabled = true;
  try {
    return await work();
  } finally {
    btn.disabled = false;
  }
}
