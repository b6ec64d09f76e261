package routing

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestCaseRefsAreUniqueAndReadable(t *testing.T) {
	seen := map[string]int64{}
	for n := int64(1); n <= 200000; n++ {
		ref := caseRef("NHTH", n)
		if prev, dup := seen[ref]; dup {
			t.Fatalf("cases %d and %d share reference %s", prev, n, ref)
		}
		seen[ref] = n
		if len(ref) != len("NHTH-")+6 || strings.ContainsAny(ref[5:], "ILOU") {
			t.Fatalf("reference %q is not NHTH- and six Crockford characters", ref)
		}
	}
	if a, b := caseRef("NHTH", 1), caseRef("NHTH", 2); a[5:8] == b[5:8] {
		t.Errorf("consecutive references %s and %s look alike: they reveal the case count", a, b)
	}
}

// FuzzTipNormalize feeds the tip form's fields through validation: it never panics, and what it
// accepts is within bounds and never keeps a contact the reporter did not want used.
func FuzzTipNormalize(f *testing.F) {
	f.Add("es", "labor", "yes", "phone", "+1 (312) 555-0142", "kids in the fields", true, true)
	f.Add("", "", "", "", "", "", false, false)
	f.Add("en-US", "sex", "unsure", "email", "a@example.org", "motel", false, true)
	f.Add("xx", "organ", "maybe", "pigeon", "call me", "\xff\xfe", true, false)
	f.Add("en", "both", "no", "none", "+13125550142", "no contact please", false, true)
	f.Fuzz(func(t *testing.T, lang, typ, minor, method, contact, desc string, danger, consent bool) {
		tip := Tip{Language: lang, Type: CaseType(typ), Minor: minor, ContactMethod: method, Contact: contact,
			Description: desc, Danger: danger, ConsentLawEnfo: consent}
		got, err := tip.normalize()
		if err != nil {
			if ErrorCode(err) != EInvalid {
				t.Fatalf("error %v has code %s, want invalid", err, ErrorCode(err))
			}
			return
		}
		if got.ContactMethod == TipNoReply && (got.Contact != "" || got.ConsentLawEnfo) {
			t.Fatalf("kept contact %q / consent %v for a reporter who wants no contact", got.Contact, got.ConsentLawEnfo)
		}
		if got.ContactMethod != TipNoReply && got.Contact == "" {
			t.Fatalf("accepted method %q with no contact", got.ContactMethod)
		}
		if !utf8.ValidString(got.Description) || len(got.Description) > maxSummary {
			t.Fatalf("accepted a description of %d bytes", len(got.Description))
		}
		s := got.summary()
		if !strings.HasPrefix(s, "Online tip report") {
			t.Fatalf("summary %q lacks its heading", s)
		}
		if got.Contact != "" && strings.Contains(s, got.Contact) && !strings.Contains(got.Description+got.Language+typ, got.Contact) {
			t.Fatalf("summary holds the contact: %q", s)
		}
	})
}
