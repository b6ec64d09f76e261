package twiml

import (
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	doc := `<?xml version="1.0" encoding="UTF-8"?><Response><Gather numDigits="1" action="/twilio/voice/lang"><Say language="en-US">Press 1</Say><Say language="es-US">Oprima 2</Say></Gather><Redirect>/twilio/voice</Redirect></Response>`
	verbs, err := Parse(strings.NewReader(doc))
	if err != nil {
		t.Fatal(err)
	}
	if len(verbs) != 2 || verbs[0].Name != "Gather" || verbs[1].Text != "/twilio/voice" {
		t.Fatalf("got %+v", verbs)
	}
	if g := verbs[0]; g.Attr("numDigits", "") != "1" || len(g.Children) != 2 || g.Children[1].Text != "Oprima 2" {
		t.Fatalf("got gather %+v", g)
	}
}

func TestParseRefuses(t *testing.T) {
	cases := []struct{ name, doc, want string }{
		{"empty", "", "empty document"},
		{"not TwiML", "<Html/>", "want <Response>"},
		{"unclosed", "<Response><Say>", "unexpected EOF"},
		{"not XML", "not xml", "empty document"},
		{"too deep", "<Response>" + strings.Repeat("<a>", MaxDepth+2), "nested too deep"},
		{"too many elements", "<Response>" + strings.Repeat("<Say/>", MaxNodes) + "</Response>", "more than 512 elements"},
		{"too many attributes", "<Response><Say " + attrs(MaxAttrs+1) + "/></Response>", "more than 64 attributes"},
		{"content after the root", "<Response/><Say>hi</Say>", "content after </Response>"},
		{"unclosed after the root", "<Response/><Say", "after </Response>"},
		{"too long", "<Response><Say>" + strings.Repeat("x", MaxBytes) + "</Say></Response>", "larger than 65536 bytes"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse(strings.NewReader(tc.doc))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want an error saying %q", err, tc.want)
			}
		})
	}
}

func attrs(n int) string {
	var b strings.Builder
	for i := range n {
		b.WriteString("a")
		b.WriteString(strings.Repeat("b", i%7))
		b.WriteString(string(rune('a' + i%26)))
		b.WriteString(`="1" `)
	}
	return b.String()
}

// fuzzLimits are small enough for every limit to be reached by inputs of a few hundred bytes.
var fuzzLimits = limits{bytes: 512, depth: 3, nodes: 8, attrs: 4}

func FuzzParseTwiML(f *testing.F) {
	f.Add(`<Response><Say>hi</Say></Response>`)
	f.Add(`<Response><Dial><Conference statusCallback="/x">c1</Conference></Dial></Response>`)
	f.Add(`<Response><Gather><Gather><Gather></Gather></Gather></Gather></Response>`)
	f.Add(`<?xml version="1.0"?><!-- c --><Response><Play loop="0">https://x/y.mp3</Play><Pause length="2"/><Hangup/></Response>`)
	f.Add(`<Response xmlns:x="urn:x"><x:Say x:voice="alice">&amp;&#65;</x:Say><![CDATA[<Say>]]></Response>`)
	f.Add(`<Response><a><b><c><d/></c></b></a><Say a="1" b="2" c="3" d="4" e="5"/></Response>`)
	f.Fuzz(func(t *testing.T, s string) {
		l := fuzzLimits
		if len(s) > l.bytes {
			return // refused before parsing (TestParseRefuses); long inputs only slow the fuzzer
		}
		verbs, err := l.parse(strings.NewReader(s))
		if err == nil && verbs == nil && strings.Contains(s, "<Say") && !strings.Contains(s, "</Response>") {
			t.Fatalf("incomplete document %q parsed", s)
		}
		if err != nil {
			return
		}
		// What parses stays within the limits.
		var count func([]Node, int) int
		count = func(ns []Node, depth int) int {
			if depth > l.depth+1 {
				t.Fatalf("a document nested deeper than %d parsed", l.depth)
			}
			c := len(ns)
			for _, n := range ns {
				if len(n.Attrs) > l.attrs {
					t.Fatalf("an element with %d attributes parsed", len(n.Attrs))
				}
				c += count(n.Children, depth+1)
			}
			return c
		}
		if c := count(verbs, 1); c > l.nodes {
			t.Fatalf("%d elements parsed, want at most %d", c, l.nodes)
		}
	})
}
