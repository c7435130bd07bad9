// Poller runs an async task now and then every interval while the page is
// visible, never two at once: the console's live views (rooms, jobs) use
// it to refresh without a reload.

export class Poller {
  // task() is awaited on each tick; a rejection is the task's to report.
  constructor(task, intervalMillis = 2000) {
    this.task = task;
    this.interval = intervalMillis;
    this.timer = 0;
    this.running = null; // the tick in flight
    this.stopped = true;
    document.addEventListener('visibilitychange', () => {
      if (!document.hidden && !this.stopped) this.now();
    });
  }

  // start begins polling (again); safe to call repeatedly.
  start() {
    this.stopped = false;
    return this.now();
  }

  stop() {
    this.stopped = true;
    clearTimeout(this.timer);
    this.timer = 0;
  }

  // now runs the task at once (or joins the run in flight) and schedules
  // the next.
  now() {
    if (this.running) return this.running;
    clearTimeout(this.timer);
    this.running = (async () => {
      try {
        if (!document.hidden) await this.task();
      } catch (e) {
        console.error('roomcast: poll:', e);
      } finally {
        this.running = null;
        if (!this.stopped) this.timer = setTimeout(() => this.now(), this.interval);
      }
    })();
    return this.running;
  }
}
