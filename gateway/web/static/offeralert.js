// Offer alerting for the advocate console: a sound that repeats until every offer is answered
// (and rings again after a reload), desktop notifications while the console is hidden, and the
// reason the server set the advocate away.
//
// Browsers let a page make sound only after a user gesture. After a reload the console cannot
// ring until the advocate clicks somewhere: rather than pretend, it says so in the ring line and
// offers an "Enable sound" button; the choice to have sound is kept in localStorage so that the
// first click anywhere after a reload brings it back.
import { h, Beeper } from './common.js';
import { Status, PresenceReason } from './protocol.js';

const SOUND_KEY = 'hotline.sound';      // 'on' | 'off'
const ASKED_KEY = 'hotline.notify.asked'; // set once the permission prompt was shown
const RING_EVERY = 2500;                  // ms between rings while an offer waits

export class OfferAlert {
  // t: the console's texts; box: where the ring line, the buttons and the away notice go.
  constructor(t, box) {
    this.t = t;
    this.beeper = new Beeper();
    this.offers = new Map(); // conversation → {urgent, note}
    this.timer = 0;
    this.wantSound = localStorage.getItem(SOUND_KEY) !== 'off';
    this.line = h('span.ring-state#ring-state', { role: 'status', 'aria-live': 'polite' });
    this.soundBtn = h('button.sound#sound-toggle', { type: 'button', onclick: () => this.toggleSound() });
    this.notifyBtn = h('button.notify#notify-enable', { type: 'button', text: t('notify_enable'), onclick: () => this.askNotify() });
    this.away = h('p.away-reason.hidden#away-reason', { role: 'alert' });
    box.append(this.away, h('div.alerting', {}, this.line, this.soundBtn, this.notifyBtn));
    // Any gesture unlocks audio for the page: the first one after a reload restarts the ring.
    const unlock = () => { if (this.wantSound && !this.audible()) this.unlock(); };
    document.addEventListener('pointerdown', unlock, true);
    document.addEventListener('keydown', unlock, true);
    this.render();
  }

  // unlock starts audio; call it from a user gesture.
  unlock() {
    this.beeper.unlock();
    const ctx = this.beeper.ctx;
    if (ctx && !ctx.onstatechange) ctx.onstatechange = () => { this.render(); if (this.offers.size) this.ring(); };
    this.render();
  }

  toggleSound() {
    this.wantSound = !(this.wantSound && this.audible());
    localStorage.setItem(SOUND_KEY, this.wantSound ? 'on' : 'off');
    if (this.wantSound) this.unlock();
    this.render();
  }

  audible() { return !!this.beeper.ctx && this.beeper.ctx.state === 'running'; }

  // offer: a new offer (or one found in a snapshot after a reload: it rings again just the same).
  offer(o, label) {
    if (this.offers.has(o.conversation)) return;
    const urgent = !!o.urgent;
    this.offers.set(o.conversation, { urgent, note: this.notify(label, urgent, o.conversation) });
    if (!this.timer) {
      this.ring();
      this.timer = setInterval(() => this.ring(), RING_EVERY);
    }
    this.render();
  }

  // gone: the offer was accepted, declined, withdrawn or expired. The ring stops with the last.
  gone(conversation) {
    const o = this.offers.get(conversation);
    if (!o) return;
    o.note?.close();
    this.offers.delete(conversation);
    if (!this.offers.size) { clearInterval(this.timer); this.timer = 0; }
    this.render();
  }

  // only keeps the offers whose conversations are listed (a snapshot is the whole truth).
  only(conversations) {
    for (const id of [...this.offers.keys()]) if (!conversations.has(id)) this.gone(id);
  }

  ring() {
    if (!this.wantSound || !this.audible()) return;
    this.beeper.beep([...this.offers.values()].some((o) => o.urgent));
  }

  render() {
    const n = this.offers.size;
    let state = 'idle', text = this.t('ring_idle');
    if (n && this.wantSound && this.audible()) { state = 'ringing'; text = this.t('ring_ringing', { Count: n }); }
    else if (n && this.wantSound) { state = 'blocked'; text = this.t('ring_blocked', { Count: n }); }
    else if (n) { state = 'silent'; text = this.t('ring_silent', { Count: n }); }
    this.line.dataset.state = state;
    this.line.textContent = text;
    this.soundBtn.textContent = this.wantSound && this.audible() ? this.t('sound_off') : this.t('sound_enable');
    this.soundBtn.setAttribute('aria-pressed', String(this.wantSound && this.audible()));
    const canAsk = 'Notification' in window && Notification.permission === 'default' && !localStorage.getItem(ASKED_KEY);
    this.notifyBtn.classList.toggle('hidden', !canAsk);
  }

  // askNotify asks for notification permission, once, from the button's click.
  async askNotify() {
    localStorage.setItem(ASKED_KEY, '1');
    this.unlock(); // the same click may as well enable sound
    try { await Notification.requestPermission(); } catch { /* the browser refused to ask */ }
    this.render();
  }

  // notify shows a desktop notification while the console is not in view. It says only the
  // kind of offer: no contact detail ever leaves the page.
  notify(label, urgent, tag) {
    if (!('Notification' in window) || Notification.permission !== 'granted' || (!document.hidden && document.hasFocus())) return null;
    try {
      const n = new Notification(urgent ? this.t('notify_offer_urgent') : this.t('notify_offer'), { body: label, tag, requireInteraction: urgent });
      n.onclick = () => { window.focus(); n.close(); };
      return n;
    } catch { return null; } // some browsers allow notifications only from a service worker
  }

  // presence shows why the server set the advocate away, or clears the notice.
  presence(status, reason, missed) {
    const shown = status === Status.Away && reason === PresenceReason.MissedOffers;
    this.away.classList.toggle('hidden', !shown);
    if (!shown) return;
    this.away.textContent = this.t('away_missed_offers', { Count: Number(missed) || 2 });
    if (!('Notification' in window) || Notification.permission !== 'granted' || (!document.hidden && document.hasFocus())) return;
    try { new Notification(this.t('notify_away'), { body: this.away.textContent, tag: 'away' }); } catch { /* see notify */ }
  }
}
