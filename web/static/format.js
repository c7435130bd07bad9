// Formatting of sizes, durations and times for the console, and the
// RFC 3339 times the /v1/recordings filters take.

const units = ['B', 'kB', 'MB', 'GB', 'TB'];

// formatBytes gives a size in decimal units: "1.5 MB".
export function formatBytes(n) {
  if (typeof n !== 'number' || !Number.isFinite(n) || n < 0) return '—';
  let i = 0;
  while (n >= 1000 && i < units.length - 1) {
    n /= 1000;
    i++;
  }
  return (i === 0 ? String(n) : n.toFixed(n < 10 ? 1 : 0)) + ' ' + units[i];
}

// formatDuration gives seconds as "m:ss" or "h:mm:ss".
export function formatDuration(seconds) {
  if (typeof seconds !== 'number' || !Number.isFinite(seconds) || seconds < 0) return '—';
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}

// formatTime gives an API time in the browser's locale; '—' when absent.
export function formatTime(iso) {
  if (!iso) return '—';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? String(iso) : d.toLocaleString();
}

// dayBoundary turns the value of an <input type="date"> ("2025-03-01")
// into the RFC 3339 time of local midnight, plus addDays days; '' for ''.
export function dayBoundary(value, addDays = 0) {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value || '');
  if (!m) return '';
  const d = new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3]) + addDays);
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

// safeFilename keeps a name usable as a download file name.
export function safeFilename(name) {
  return String(name).replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^\.+/, '') || 'download';
}
