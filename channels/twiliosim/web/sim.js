// The phone simulator: texts and calls the hotline through the Twilio stand-in's page API.
const strings = {
  en: {
    title: "Phone simulator", intro: "A pretend phone for trying the hotline without a real one. Nothing here reaches a real phone network.",
    language: "Language", yourNumber: "Your phone number", textTo: "Text", smsHint: "Try BEFREE, HELP, AYUDA, STOP or START.",
    message: "Message", send: "Send", call: "Call", callButton: "Call", hangup: "Hang up", keypad: "Keypad",
    gathering: "The line is waiting for you to press a key.", badNumber: "Enter a phone number such as +15551234567.",
    failed: "Could not reach the hotline:", you: "You", hotline: "Hotline",
    status: { queued: "queued", ringing: "ringing…", "in-progress": "connected", completed: "call ended", failed: "call failed", initiated: "dialling…" },
    kinds: { say: "Heard", play: "Audio", pause: "Pause", digits: "You pressed", redirect: "Redirect", dial: "Dialling", conference: "Waiting room", leave: "Left", hangup: "Hung up", reject: "Rejected", error: "Error", senddigits: "Tones", unsupported: "Not simulated", "no-answer": "No answer" },
    inConference: "on hold for an advocate",
  },
  es: {
    title: "Simulador de teléfono", intro: "Un teléfono de prueba para usar la línea sin un teléfono real. Nada de aquí llega a una red telefónica real.",
    language: "Idioma", yourNumber: "Su número de teléfono", textTo: "Enviar texto al", smsHint: "Pruebe BEFREE, HELP, AYUDA, PARAR o START.",
    message: "Mensaje", send: "Enviar", call: "Llamar al", callButton: "Llamar", hangup: "Colgar", keypad: "Teclado",
    gathering: "La línea espera que oprima una tecla.", badNumber: "Escriba un número como +15551234567.",
    failed: "No se pudo contactar la línea:", you: "Usted", hotline: "Línea",
    status: { queued: "en cola", ringing: "timbrando…", "in-progress": "conectado", completed: "llamada terminada", failed: "la llamada falló", initiated: "marcando…" },
    kinds: { say: "Escuchó", play: "Audio", pause: "Pausa", digits: "Oprimió", redirect: "Redirección", dial: "Marcando", conference: "Sala de espera", leave: "Salió", hangup: "Colgó", reject: "Rechazada", error: "Error", senddigits: "Tonos", unsupported: "No simulado", "no-answer": "Sin respuesta" },
    inConference: "en espera de una persona de apoyo",
  },
};

const $ = (id) => document.getElementById(id);
let lang = (navigator.language || "en").toLowerCase().startsWith("es") ? "es" : "en";
let callSid = "";
let callTimer = 0;

function t(key) { return strings[lang][key] ?? strings.en[key]; }

function applyLanguage() {
  document.documentElement.lang = lang;
  $("lang").value = lang;
  for (const el of document.querySelectorAll("[data-i18n]")) el.textContent = t(el.dataset.i18n);
}

function number() {
  const n = $("number").value.trim();
  return /^\+?[0-9]{3,19}$/.test(n) ? n : "";
}

async function api(path, body) {
  const opts = body === undefined ? {} : { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) };
  const res = await fetch("/sim/api/" + path, opts);
  if (res.status === 204) return null;
  const data = await res.json().catch(() => ({}));
  if (!res.ok) throw new Error(data.error || res.statusText);
  return data;
}

async function refreshThread() {
  const n = number();
  if (!n) return;
  try {
    const msgs = await api("messages?number=" + encodeURIComponent(n));
    const list = $("thread");
    list.replaceChildren(...msgs.map((m) => {
      const li = document.createElement("li");
      li.className = m.direction;
      li.textContent = m.body;
      const meta = document.createElement("small");
      meta.textContent = (m.direction === "out" ? t("you") : t("hotline")) + " · " + new Date(m.at).toLocaleTimeString(lang);
      li.append(meta);
      return li;
    }));
    list.scrollTop = list.scrollHeight;
  } catch (e) { /* the next poll retries */ }
}

async function sendSMS(ev) {
  ev.preventDefault();
  $("sms-error").textContent = "";
  const n = number();
  if (!n) { $("sms-error").textContent = t("badNumber"); return; }
  const body = $("sms-body").value;
  try {
    await api("sms", { from: n, body });
    $("sms-body").value = "";
    await refreshThread();
  } catch (e) { $("sms-error").textContent = t("failed") + " " + e.message; }
}

function renderCall(state) {
  const st = t("status")[state.status] || state.status;
  $("call-status").textContent = state.conference ? st + " · " + t("inConference") : st;
  $("gathering").hidden = !state.gathering;
  $("transcript").replaceChildren(...state.transcript.map((l) => {
    const li = document.createElement("li");
    const kind = document.createElement("span");
    kind.className = "kind";
    kind.textContent = t("kinds")[l.kind] || l.kind;
    li.append(kind, document.createTextNode(" " + l.text));
    if (l.language) li.lang = l.language.slice(0, 2);
    return li;
  }));
  const ended = state.ended;
  $("call").disabled = !ended;
  $("hangup").disabled = ended;
  if (ended) { clearInterval(callTimer); callSid = ""; }
}

async function pollCall() {
  if (!callSid) return;
  try { renderCall(await api("call/" + callSid)); } catch (e) { $("call-error").textContent = e.message; }
}

async function startCall() {
  $("call-error").textContent = "";
  const n = number();
  if (!n) { $("call-error").textContent = t("badNumber"); return; }
  try {
    const res = await api("call", { from: n });
    callSid = res.sid;
    $("call").disabled = true;
    $("hangup").disabled = false;
    clearInterval(callTimer);
    callTimer = setInterval(pollCall, 700);
    pollCall();
  } catch (e) { $("call-error").textContent = t("failed") + " " + e.message; }
}

async function press(key) {
  if (!callSid) return;
  try { await api("call/" + callSid + "/digits", { digits: key }); pollCall(); } catch (e) { $("call-error").textContent = e.message; }
}

async function hangup() {
  if (!callSid) return;
  try { await api("call/" + callSid + "/hangup", {}); pollCall(); } catch (e) { $("call-error").textContent = e.message; }
}

async function init() {
  const saved = sessionStorage.getItem("sim-number");
  $("number").value = saved || "+1555" + String(Math.floor(1000000 + Math.random() * 8999999));
  $("number").addEventListener("change", () => { sessionStorage.setItem("sim-number", $("number").value); refreshThread(); });
  $("lang").addEventListener("change", () => { lang = $("lang").value; applyLanguage(); refreshThread(); pollCall(); });
  $("sms-form").addEventListener("submit", sendSMS);
  $("call").addEventListener("click", startCall);
  $("hangup").addEventListener("click", hangup);
  for (const key of ["1", "2", "3", "4", "5", "6", "7", "8", "9", "*", "0", "#"]) {
    const b = document.createElement("button");
    b.type = "button";
    b.textContent = key;
    b.addEventListener("click", () => press(key));
    $("keypad").append(b);
  }
  applyLanguage();
  try {
    const cfg = await api("config");
    $("short-code").textContent = cfg.shortCode;
    $("voice-number").textContent = cfg.voiceNumber;
  } catch (e) { /* shown empty */ }
  refreshThread();
  setInterval(refreshThread, 1500);
}

init();
