// The advocate console's canned replies, in each conversation's language.
import { h } from './common.js';

// The canned replies, as the admins keep them (/api/canned): a title and a text per language.
let cannedReplies = [];
let loading = null; // the read under way, shared by every list that asks meanwhile
let cannedAt = 0;

// cannedIn is a reply's words in the conversation's language (else English, else any).
const cannedIn = (r, lang) => r.texts[lang] || r.texts[(lang || '').split('-')[0]] || r.texts.en || Object.values(r.texts)[0];

// fillCanned offers the canned replies in the conversation's language, whatever the screen's;
// they are read again when the list is opened a minute or more after the last read.
export async function fillCanned(select, lang, label, account) {
  if (Date.now() - cannedAt > 60000 && !loading) {
    cannedAt = Date.now();
    loading = fetch('/api/canned', { credentials: 'same-origin' }).then((r) => r.json()).then((d) => { cannedReplies = d.replies || []; })
      .catch(() => {}).finally(() => { loading = null; });
  }
  if (loading) await loading;
  const first = account.name.split(' ')[0];
  select.replaceChildren(h('option', { value: '', text: label }),
    ...cannedReplies.map((r) => h('option', { value: r.key, lang, text: cannedIn(r, lang).title.replaceAll('{{.Name}}', first) })));
}

// insertCanned adds a canned reply in the conversation's language, whatever the screen's.
export function insertCanned(textarea, key, lang, account) {
  const r = cannedReplies.find((x) => x.key === key);
  if (!r) return;
  const words = cannedIn(r, lang).text.replaceAll('{{.Name}}', account.name.split(' ')[0]);
  textarea.value = (textarea.value ? textarea.value + ' ' : '') + words;
  textarea.focus();
}
