package voice

import (
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/openhotline/hotline/routing"
)

func TestIncomingCallGreetsInBothLanguagesAndAsksForOne(t *testing.T) {
	r := newRig(t, nil)
	doc := r.twiml(PathIncoming, callForm(sid(1), "+15551230001"))

	g := doc.One(t, "Gather")
	if got := g.Attr("numDigits"); got != "1" {
		t.Errorf("Gather numDigits = %q, want 1", got)
	}
	action, err := url.Parse(g.Attr("action"))
	if err != nil || action.Path != PathMenu || !strings.HasPrefix(g.Attr("action"), r.srv.URL) {
		t.Errorf("Gather action = %q, want an absolute URL to %s", g.Attr("action"), PathMenu)
	}
	en, es := doc.Says("en-US"), doc.Says("es-MX")
	if len(en) == 0 || !strings.Contains(en[0], "National Human Trafficking Hotline") {
		t.Errorf("English greeting = %q, want the hotline's name first", en)
	}
	if len(es) == 0 || !strings.Contains(es[0], "Línea Nacional contra la Trata de Personas") {
		t.Errorf("Spanish greeting = %q, want the Spanish name first", es)
	}
	if !containsAll(en, "9-1-1", "press 1", "press 3", "interpreter", "press 7") {
		t.Errorf("English prompts %q lack the 911 notice, the English, other-language or relay choice", en)
	}
	if !containsAll(es, "9-1-1", "oprima 2", "oprima 3", "intérprete") {
		t.Errorf("Spanish prompts %q lack the 911 notice, the Spanish or other-language choice", es)
	}
	for _, s := range doc.All("Say") {
		if s.Attr("language") == "es-MX" && s.Attr("voice") != "Polly.Mia" {
			t.Errorf("Spanish said with voice %q, want a Spanish voice", s.Attr("voice"))
		}
	}
	// English comes first: the first Say is English, the second Spanish.
	says := g.All("Say")
	if len(says) < 2 || says[0].Attr("language") != "en-US" || says[1].Attr("language") != "es-MX" {
		t.Errorf("greeting order: want English then Spanish")
	}
	// No key pressed: the call goes on to the menu without Digits, which means English.
	if red := doc.One(t, "Redirect"); !strings.Contains(red.Text, PathMenu) {
		t.Errorf("after the menu the call goes to %q, want %s", red.Text, PathMenu)
	}
	if len(doc.All("Hangup")) != 0 {
		t.Error("the greeting hangs up")
	}
}

func TestMenuBranches(t *testing.T) {
	tests := []struct {
		name       string
		digits     string // "" = no key pressed
		wantLang   string
		wantSay    string // BCP 47 of the hold message
		wantRelay  bool
		wantInterp bool
	}{
		{"1 English", "1", "en", "en-US", false, false},
		{"2 Spanish", "2", "es", "es-MX", false, false},
		{"3 another language: an interpreter is needed", "3", "en", "en-US", false, true},
		{"7 relay operator", "7", "en", "en-US", true, false},
		{"no answer means English", "", "en", "en-US", false, false},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newRig(t, nil)
			doc, conv := r.callIn(sid(100+i), "+15551230002", tt.digits)
			if conv.Language != tt.wantLang {
				t.Errorf("conversation language = %q, want %q", conv.Language, tt.wantLang)
			}
			if conv.Channel != routing.Voice || conv.State != routing.Queued {
				t.Errorf("conversation %s/%s, want voice/queued", conv.Channel, conv.State)
			}
			if got := conv.Has(routing.TagRelay); got != tt.wantRelay {
				t.Errorf("relay tag = %v, want %v", got, tt.wantRelay)
			}
			if got := conv.Has(routing.TagInterpreter); got != tt.wantInterp {
				t.Errorf("interpreter tag = %v, want %v", got, tt.wantInterp)
			}
			if got := conv.Meta[MetaCallSid]; got != sid(100+i) {
				t.Errorf("meta call_sid = %q, want %q", got, sid(100+i))
			}
			if got := conv.Meta[MetaConference]; got != ConferenceName(conv.ID) {
				t.Errorf("meta conference = %q, want %q", got, ConferenceName(conv.ID))
			}
			checkQueued(t, doc, conv.ID, tt.wantLang)
			if says := doc.Says(tt.wantSay); len(says) == 0 {
				t.Errorf("no hold message in %s", tt.wantSay)
			}
			if tt.wantRelay && len(doc.All("Gather")) != 0 {
				t.Error("a relay call hears another menu")
			}
		})
	}
}

// checkQueued asserts the caller waits in their conversation's conference, not starting it.
func checkQueued(t *testing.T, doc node, convID, lang string) {
	t.Helper()
	dial := doc.One(t, "Dial")
	conf := dial.One(t, "Conference")
	if got := strings.TrimSpace(conf.Text); got != ConferenceName(convID) {
		t.Errorf("conference = %q, want %q", got, ConferenceName(convID))
	}
	if conf.Attr("startConferenceOnEnter") != "false" || conf.Attr("endConferenceOnExit") != "true" {
		t.Errorf("caller's conference start/end = %q/%q, want false/true", conf.Attr("startConferenceOnEnter"), conf.Attr("endConferenceOnExit"))
	}
	wait, err := url.Parse(conf.Attr("waitUrl"))
	if err != nil || wait.Path != PathWait || wait.Query().Get("c") != convID || wait.Query().Get("l") != lang {
		t.Errorf("waitUrl = %q, want %s for %s in %s", conf.Attr("waitUrl"), PathWait, convID, lang)
	}
	if !sortedQuery(conf.Attr("waitUrl")) || !sortedQuery(dial.Attr("action")) {
		t.Errorf("query keys not sorted in %q or %q", conf.Attr("waitUrl"), dial.Attr("action"))
	}
	act, _ := url.Parse(dial.Attr("action"))
	if act == nil || act.Path != PathDone || act.Query().Get("c") != convID {
		t.Errorf("Dial action = %q, want %s for %s", dial.Attr("action"), PathDone, convID)
	}
}

func TestMenuOddDigitsAskAgainThenQueueInEnglish(t *testing.T) {
	for i, digits := range []string{"9", "0", "12", "*", "#", "abc", "1; DROP", "٣", strings.Repeat("1", 40)} {
		t.Run(digits, func(t *testing.T) {
			r := newRig(t, nil)
			first := r.twiml(PathIncoming, callForm(sid(200+i), "+15551230003"))
			again := r.twiml(first.One(t, "Gather").Attr("action"), callForm(sid(200+i), "+15551230003", "Digits", digits))
			g := again.One(t, "Gather")
			if !containsAll(again.Says("en-US"), "not an option") || !containsAll(again.Says("es-MX"), "no es válida") {
				t.Errorf("re-prompt says %q / %q, want the invalid notice in both languages", again.Says("en-US"), again.Says("es-MX"))
			}
			if containsAll(again.Says("en-US"), "Thank you for calling") {
				t.Error("the re-prompt repeats the whole greeting")
			}
			// A second odd answer queues the caller in English rather than looping.
			q := r.twiml(g.Attr("action"), callForm(sid(200+i), "+15551230003", "Digits", digits))
			conv := r.convOf(q)
			if conv.Language != "en" {
				t.Errorf("after two odd answers language = %q, want en", conv.Language)
			}
			checkQueued(t, q, conv.ID, "en")
		})
	}
}

func TestRelayCallerIDSkipsTheMenu(t *testing.T) {
	r := newRig(t, nil)
	for i, from := range []string{relayNumber, "18005550711", "+1 800 555 0711"} {
		doc := r.twiml(PathIncoming, callForm(sid(300+i), from))
		if len(doc.All("Gather")) != 0 {
			t.Errorf("relay caller %q hears the menu", from)
			continue
		}
		conv := r.convOf(doc)
		if !conv.Has(routing.TagRelay) || conv.Language != "en" {
			t.Errorf("relay call tags %v language %q, want relay/en", conv.Tags, conv.Language)
		}
		if conv.Contact != "" || conv.ContactKey != "" {
			t.Error("a relay service's shared number was recorded as the caller's contact")
		}
		checkQueued(t, doc, conv.ID, "en")
	}
	doc := r.twiml(PathIncoming, callForm(sid(310), "+18005550712"))
	if len(doc.All("Gather")) != 1 {
		t.Error("an ordinary caller skipped the menu")
	}
}

func TestMenuIsIdempotentPerCall(t *testing.T) {
	r := newRig(t, nil)
	_, first := r.callIn(sid(400), "+15551230004", "2")
	q := r.twiml(PathMenu+"?t=1", callForm(sid(400), "+15551230004", "Digits", "2"))
	if again := r.convOf(q); again.ID != first.ID {
		t.Errorf("a repeated menu answer opened conversation %s, want %s", again.ID, first.ID)
	}
}

func containsAll(says []string, subs ...string) bool {
	joined := strings.Join(says, " | ")
	for _, s := range subs {
		if !strings.Contains(joined, s) {
			return false
		}
	}
	return true
}

func sortedQuery(raw string) bool {
	u, err := url.Parse(raw)
	if err != nil {
		return false
	}
	var keys []string
	for _, kv := range strings.Split(u.RawQuery, "&") {
		k, _, _ := strings.Cut(kv, "=")
		keys = append(keys, k)
	}
	return slices.IsSorted(keys)
}

func TestRelayCallGoesToRelayTrainedAdvocateWithLongerOffer(t *testing.T) {
	r := newRig(t, nil)
	// An untrained advocate who has been idle longest, and a relay-trained one.
	r.advocate("ana", []string{"en"}, "+15557770010", "")
	trained := routing.Advocate{ID: "rel", Name: "rel", Role: routing.RoleAdvocate, Languages: []string{"en"}, Channels: []routing.Channel{routing.Voice}, Skills: []string{"relay"}, VoiceEndpoint: "+15557770011"}
	if err := r.eng.Roster().Put(r.ctx, trained); err != nil {
		t.Fatal(err)
	}
	if err := r.eng.Roster().Heartbeat(r.ctx, "rel"); err != nil {
		t.Fatal(err)
	}
	if err := r.eng.Roster().SetStatus(r.ctx, "rel", routing.Available); err != nil {
		t.Fatal(err)
	}
	_, conv := r.callIn(sid(500), "+15551230101", "7")
	offers, err := r.eng.Offers(r.ctx, "rel")
	if err != nil || len(offers) != 1 || offers[0].ConversationID != conv.ID {
		t.Fatalf("offers to the relay-trained advocate = %v, %v; want the relay call", offers, err)
	}
	if o, _ := r.eng.Offers(r.ctx, "ana"); len(o) != 0 {
		t.Errorf("the untrained advocate was offered the relay call first: %v", o)
	}
	if got, want := offers[0].Deadline.Sub(r.clock.Now()), r.eng.Config().RelayOfferTimeout; got != want {
		t.Errorf("relay offer lasts %s, want %s", got, want)
	}
}

func TestBlockedCallerIsToldAndReleased(t *testing.T) {
	r := newRig(t, nil)
	if err := r.eng.Contacts().SetBlock(r.ctx, r.eng.Contacts().Key("+15551230102"), r.clock.Now().Add(time.Hour), "abusive"); err != nil {
		t.Fatal(err)
	}
	menu := r.twiml(PathIncoming, callForm(sid(510), "+15551230102"))
	doc := r.twiml(menu.One(t, "Gather").Attr("action"), callForm(sid(510), "+15551230102", "Digits", "1"))
	if len(doc.All("Hangup")) != 1 || len(doc.All("Dial")) != 0 || !containsAll(doc.Says("en-US"), "9-1-1") || !containsAll(doc.Says("es-MX"), "9-1-1") {
		t.Errorf("blocked caller answer: %s, want a bilingual notice with 911 and a hang-up", doc.dump())
	}
}

func TestWithheldCallerIDIsNoContact(t *testing.T) {
	r := newRig(t, nil)
	for i, from := range []string{"+266696687", "+7378742833", "anonymous", "", "Restricted"} {
		_, conv := r.callIn(sid(600+i), from, "1")
		if conv.Contact != "" || conv.ContactKey != "" {
			t.Errorf("caller id %q recorded as contact %q", from, conv.Contact)
		}
	}
	_, conv := r.callIn(sid(610), "+15551230111", "1")
	if conv.Contact != "+15551230111" {
		t.Errorf("caller id recorded as %q, want the number", conv.Contact)
	}
}
