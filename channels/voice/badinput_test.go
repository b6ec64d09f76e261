package voice

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/openhotline/hotline/channels/twilio"
	"github.com/openhotline/hotline/locales"
	"github.com/openhotline/hotline/routing"
	"github.com/openhotline/hotline/routing/routingtest"
)

// keepsCallerOnLine reports whether an answer goes on: a menu, a conference, or a redirect.
func keepsCallerOnLine(doc node) bool {
	return len(doc.All("Hangup")) == 0 &&
		(len(doc.All("Gather")) > 0 || len(doc.All("Dial")) > 0 || len(doc.All("Redirect")) > 0)
}

func TestBadInputNeverDropsTheCaller(t *testing.T) {
	r := newRig(t, nil)
	long := strings.Repeat("x", 5000)
	tests := []struct {
		name string
		path string
		form url.Values
	}{
		{"incoming with nothing", PathIncoming, url.Values{}},
		{"incoming with junk sid", PathIncoming, url.Values{"CallSid": {"../../etc"}, "From": {long}}},
		{"menu with nothing", PathMenu, url.Values{}},
		{"menu with odd attempt", PathMenu + "?t=-4&r=zz", url.Values{"Digits": {"5"}}},
		{"menu with repeated Digits", PathMenu + "?t=1", url.Values{"Digits": {"1", "2"}}},
		{"menu with control characters", PathMenu, url.Values{"Digits": {"\x00\n1"}, "CallSid": {sid(1)}}},
		{"wait for unknown conversation", PathWait + "?c=01ARZ3NDEKTSV4RRFFQ69G5FAV&l=es", url.Values{}},
		{"wait with junk ids", PathWait + "?c=%00%ff&l=klingon&n=-1", url.Values{}},
		{"done for unknown conversation", PathDone + "?c=01ARZ3NDEKTSV4RRFFQ69G5FAV", url.Values{"CallStatus": {"in-progress"}}},
		{"done with nothing", PathDone, url.Values{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc := r.twiml(tt.path, tt.form)
			if !keepsCallerOnLine(doc) {
				t.Errorf("answer drops or strands the caller: %s", doc.dump())
			}
		})
	}
	// A menu answer with no CallSid still queues the caller (with no thread key to find later).
	q := r.twiml(PathMenu+"?t=1", url.Values{"Digits": {"2"}})
	if c := r.convOf(q); c.Language != "es" {
		t.Errorf("queued without CallSid in %q, want es", c.Language)
	}
	for _, path := range []string{PathStatus, PathAdvocate, PathSupervisor, PathAdvocate + "?a=x&c=01ARZ3NDEKTSV4RRFFQ69G5FAV&k=1"} {
		if code, _ := r.post(path, url.Values{"CallStatus": {"completed"}, "CallSid": {sid(77)}}); code != http.StatusNoContent {
			t.Errorf("POST %s with unknown call answered %d, want 204", path, code)
		}
	}
}

func TestEngineDownKeepsCallerOnLineThenGivesAlternatives(t *testing.T) {
	dead := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", DialTimeout: 100 * time.Millisecond, MaxRetries: -1, DialerRetries: 1, DialerRetryTimeout: time.Millisecond})
	t.Cleanup(func() { dead.Close() })
	eng, err := routing.New(dead, routing.Config{DataKey: routingtest.DataKey})
	if err != nil {
		t.Fatal(err)
	}
	r := newRig(t, func(c *Config) { c.Engine = eng })

	doc := r.twiml(PathMenu+"?t=1", callForm(sid(1), "+15551230081", "Digits", "2"))
	if !keepsCallerOnLine(doc) || !containsAll(doc.Says("es-MX"), "problemas") {
		t.Fatalf("engine down: %s, want a Spanish notice and a retry", doc.dump())
	}
	retry, _ := url.Parse(doc.One(t, "Redirect").Text)
	if q := retry.Query(); retry.Path != PathMenu || q.Get("d") != "2" || q.Get("r") != "1" {
		t.Errorf("retry goes to %q, want the menu with the same choice", retry)
	}
	// Each retry counts; after the last the caller hears other ways to reach us.
	target := doc.One(t, "Redirect").Text
	for i := 0; i < maxRetries; i++ {
		doc = r.twiml(target, callForm(sid(1), "+15551230081"))
		if reds := doc.All("Redirect"); len(reds) == 1 {
			target = reds[0].Text
		}
	}
	if len(doc.All("Hangup")) != 1 || !containsAll(doc.Says("es-MX"), "2 3 3 7 3 3", "9-1-1") {
		t.Errorf("after %d retries: %s, want the text line, 911 and a hang-up", maxRetries, doc.dump())
	}
}

func FuzzVoiceWebhook(f *testing.F) {
	f.Add("t=1", "CallSid=CA0123&From=%2B15551230000&Digits=2")
	f.Add("c=01ARZ3NDEKTSV4RRFFQ69G5FAV&l=es&n=4", "CallStatus=completed&CallDuration=61")
	f.Add("a=maria&c=01ARZ3NDEKTSV4RRFFQ69G5FAV&k=ab12", "CallStatus=no-answer&DialCallStatus=busy")
	f.Add("t=99&r=-1&d=9", "Digits=%00%FF&Digits=1")
	f.Add("%zz", "Digits=1;2")
	f.Add("c=01ARZ3NDEKTSV4RRFFQ69G5FAV&s=n&rs=RE0123&rd=x", "RecordingSid=RE0123456789abcdef0123456789abcdef&RecordingDuration=14&RecordingUrl=https%3A%2F%2Fapi.twilio.com%2Fx&Digits=hangup")
	f.Add("s=c&d=3", "RecordingSid=RE%00&RecordingDuration=-5&Digits=%23")
	f.Add("c=01ARZ3NDEKTSV4RRFFQ69G5FAV&k=ab12", "CallStatus=in-progress&AnsweredBy=machine_start")
	f.Add("c=01ARZ3NDEKTSV4RRFFQ69G5FAV&k=ab12", "AnsweredBy=fax&AnsweredBy=human")
	f.Add("k=ab12", "AnsweredBy=machine_%00&MachineDetectionDuration=-1")
	f.Add("k=ab12", "AnsweredBy=HUMAN")
	texts, err := locales.Default()
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, rawQuery, body string) {
		q, _ := url.ParseQuery(rawQuery)
		form, _ := url.ParseQuery(body)
		wh := parseWebhook(form, q)
		if strings.Trim(wh.Digits, "0123456789*#") != "" || len(wh.Digits) > maxDigits {
			t.Fatalf("Digits %q escaped the check", wh.Digits)
		}
		if wh.Lang != english && wh.Lang != spanish {
			t.Fatalf("language %q", wh.Lang)
		}
		if wh.Attempt < 1 || wh.Attempt > 9 || wh.Loop < 0 || wh.Retry < 0 {
			t.Fatalf("counters out of range: %+v", wh)
		}
		if wh.Conversation != "" && convID(wh.Conversation) == "" || wh.CallSid != "" && token(wh.CallSid, maxSid) == "" {
			t.Fatalf("ids escaped the check: %+v", wh)
		}
		if wh.RecordingSid != "" && !twilio.ValidRecordingSid(wh.RecordingSid) || wh.RecordingDuration < 0 || wh.Step != "" && wh.Step != stepNumber && wh.Step != stepConfirm {
			t.Fatalf("recording or step escaped the check: %+v", wh)
		}
		if wh.AnsweredBy != "" && !answeredByWords[wh.AnsweredBy] {
			t.Fatalf("AnsweredBy %q escaped the check", wh.AnsweredBy)
		}
		if a := form.Get("AnsweredBy"); machine(wh.AnsweredBy) != (answeredByWords[a] && a != "human" && a != "unknown") {
			t.Fatalf("AnsweredBy %q read as machine=%v", a, machine(wh.AnsweredBy))
		}
		if n, ok := dialable(wh.Digits); ok && !e164.MatchString(n) {
			t.Fatalf("dialable(%q) = %q, not E.164", wh.Digits, n)
		}
		// Whatever came in, the TwiML built from it is well-formed and keeps the caller on.
		c := &Channel{cfg: Config{PublicURL: "https://hotline.example.org", Texts: texts}}
		for _, verbs := range [][]string{
			{render(t, c.menuTwiML(wh.Attempt, wh.BadDigits))},
			{render(t, c.waitTwiML(wh.Conversation, wh.Lang, wh.Loop, wh.Retry))},
			{render(t, c.choiceTwiML(wh.Conversation, wh.Lang))},
		} {
			if doc := parseTwiML(t, verbs[0]); !keepsCallerOnLine(doc) {
				t.Fatalf("TwiML drops the caller: %s", verbs[0])
			}
		}
	})
}
