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

// testable names e for the browser test (data-test) and returns it.
export function testable(e, name) {
  e.setAttribute('data-test', name);
  return e;
}

// syncKeyed keeps one element per item in parent, in the items' order, so
// a live view refreshes without rebuilding what the user may be typing
// into. entries maps a key to its entry ({root: <element>, …}): make(item)
// makes the entry of a new key, update(entry, item) runs for every item,
// and the entries of keys no longer listed are removed. An element already
// in its place is not moved: moving it would take the focus from an input
// inside it.
export function syncKeyed(parent, entries, items, keyOf, make, update) {
  const seen = new Set();
  let prev = null; // the element placed last
  for (const item of items) {
    const key = keyOf(item);
    seen.add(key);
    let entry = entries.get(key);
    if (!entry) {
      entry = make(item);
      entries.set(key, entry);
    }
    const at = prev ? prev.nextElementSibling : parent.firstElementChild;
    if (at !== entry.root) parent.insertBefore(entry.root, at); // moves it into order
    prev = entry.root;
    update(entry, item);
  }
  for (const [key, entry] of entries) {
    if (!seen.has(key)) {
      entry.root.remove();
      entries.delete(key);
    }
  }
}
