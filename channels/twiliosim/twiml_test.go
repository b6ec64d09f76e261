package twiliosim

import (
	"strings"
	"testing"
)

func TestParseTwiML(t *testing.T) {
	doc := `<?xml version="1.0" encoding="UTF-8"?><Response><Gather numDigits="1" action="/twilio/voice/lang"><Say language="en-US">Press 1</Say><Say language="es-US">Oprima 2</Say></Gather><Redirect>/twilio/voice</Redirect></Response>`
	verbs, err := parseTwiML(strings.NewReader(doc))
	if err != nil {
		t.Fatal(err)
	}
	if len(verbs) != 2 || verbs[0].Name != "Gather" || verbs[1].Text != "/twilio/voice" {
		t.Fatalf("got %+v", verbs)
	}
	if g := verbs[0]; g.attr("numDigits", "") != "1" || len(g.Children) != 2 || g.Children[1].Text != "Oprima 2" {
		t.Fatalf("got gather %+v", g)
	}
	for _, bad := range []string{"", "<Html/>", "<Response><Say>", "not xml"} {
		if _, err := parseTwiML(strings.NewReader(bad)); err == nil {
			t.Errorf("parseTwiML(%q): want an error", bad)
		}
	}
}

func FuzzParseTwiML(f *testing.F) {
	f.Add(`<Response><Say>hi</Say></Response>`)
	f.Add(`<Response><Dial><Conference statusCallback="/x">c1</Conference></Dial></Response>`)
	f.Add(`<Response><Gather><Gather><Gather></Gather></Gather></Gather></Response>`)
	f.Fuzz(func(t *testing.T, s string) {
		verbs, err := parseTwiML(strings.NewReader(s))
		if err == nil && verbs == nil && strings.Contains(s, "<Say") && !strings.Contains(s, "</Response>") {
			t.Fatalf("incomplete document %q parsed", s)
		}
	})
}
