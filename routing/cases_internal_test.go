package routing

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestCaseRefsAreUniqueAndReadable(t *testing.T) {
	s := mustSealer(t, 1)
	seen := map[string]int64{}
	for n := int64(1); n <= 200000; n++ {
		ref := s.caseRef("NHTH", n)
		if prev, dup := seen[ref]; dup {
			t.Fatalf("cases %d and %d share reference %s", prev, n, ref)
		}
		seen[ref] = n
		if len(ref) != len("NHTH-")+6 || strings.ContainsAny(ref[5:], "ILOU") {
			t.Fatalf("reference %q is not NHTH- and six Crockford characters", ref)
		}
	}
	if a, b := s.caseRef("NHTH", 1), s.caseRef("NHTH", 2); a[5:8] == b[5:8] {
		t.Errorf("consecutive references %s and %s look alike: they reveal the case count", a, b)
	}
}

// TestCaseRefsNeedTheKey: with the multiplier that used to scatter references (public in the
// source), anyone could multiply a reference by its inverse and read the case count. Now the
// same sequence number gives unrelated references under two data keys, and no fixed
// multiplier maps sequence numbers to references.
func TestCaseRefsNeedTheKey(t *testing.T) {
	a, b := mustSealer(t, 1), mustSealer(t, 2)
	same := 0
	for n := int64(1); n <= 1000; n++ {
		if a.caseRef("X", n) == b.caseRef("X", n) {
			same++
		}
	}
	if same > 1 {
		t.Errorf("%d of 1000 references are the same under two data keys: they do not depend on the key", same)
	}
	// Were refs n*m mod 2^30 for some m, ref(2) would be 2*ref(1) mod 2^30.
	v := func(n int64) uint64 { return uint64(a.permute30(uint32(n))) }
	if v(2) == 2*v(1)&(1<<30-1) && v(3) == 3*v(1)&(1<<30-1) {
		t.Error("references are a fixed multiple of the sequence number: the case count can be read back")
	}
}

func mustSealer(t *testing.T, seed byte) *sealer {
	t.Helper()
	key := make([]byte, 32)
	key[0] = seed
	s, err := newSealer(key)
	if err != nil {
		t.Fatal(err)
	}
	return s
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
