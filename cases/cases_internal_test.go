package cases

import (
	"bytes"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/openhotline/hotline/routing"
)

func TestCaseRefsAreUniqueAndReadable(t *testing.T) {
	key := testKey(1)
	seen := map[string]int64{}
	for n := int64(1); n <= 200000; n++ {
		ref := caseRef(key, "NHTH", n)
		if prev, dup := seen[ref]; dup {
			t.Fatalf("cases %d and %d share reference %s", prev, n, ref)
		}
		seen[ref] = n
		if len(ref) != len("NHTH-")+6 || strings.ContainsAny(ref[5:], "ILOU") {
			t.Fatalf("reference %q is not NHTH- and six Crockford characters", ref)
		}
	}
	if a, b := caseRef(key, "NHTH", 1), caseRef(key, "NHTH", 2); a[5:8] == b[5:8] {
		t.Errorf("consecutive references %s and %s look alike: they reveal the case count", a, b)
	}
}

// TestCaseRefsNeedTheKey: with the multiplier that used to scatter references (public in the
// source), anyone could multiply a reference by its inverse and read the case count. Now the
// same sequence number gives unrelated references under two data keys, and no fixed
// multiplier maps sequence numbers to references.
func TestCaseRefsNeedTheKey(t *testing.T) {
	a, b := testKey(1), testKey(2)
	same := 0
	for n := int64(1); n <= 1000; n++ {
		if caseRef(a, "X", n) == caseRef(b, "X", n) {
			same++
		}
	}
	if same > 1 {
		t.Errorf("%d of 1000 references are the same under two data keys: they do not depend on the key", same)
	}
	// Were refs n*m mod 2^30 for some m, ref(2) would be 2*ref(1) mod 2^30.
	v := func(n int64) uint64 { return uint64(permute30(a, uint32(n))) }
	if v(2) == 2*v(1)&(1<<30-1) && v(3) == 3*v(1)&(1<<30-1) {
		t.Error("references are a fixed multiple of the sequence number: the case count can be read back")
	}
}

// testKey is the reference key derived from a data key whose first byte is seed.
func testKey(seed byte) []byte {
	key := make([]byte, 32)
	key[0] = seed
	return deriveKey(key, "openhotline case reference v1")
}

// TestCaseRefsSurviveTheMove pins references made under the tests' data key by routing before
// cases moved out of it: the desk must go on with the same permutation, or a new case could take
// the reference of a stored one.
func TestCaseRefsSurviveTheMove(t *testing.T) {
	key := deriveKey(bytes.Repeat([]byte{7}, 32), "openhotline case reference v1")
	for n, want := range map[int64]string{1: "NHTH-P128SE", 2: "NHTH-YWZ7KH", 3: "NHTH-B2PGR5", 1000: "NHTH-WBQWJM", 1 << 29: "NHTH-38TGTA"} {
		if got := caseRef(key, "NHTH", n); got != want {
			t.Errorf("caseRef(%d) = %s, want %s", n, got, want)
		}
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
			if routing.ErrorCode(err) != routing.EInvalid {
				t.Fatalf("error %v has code %s, want invalid", err, routing.ErrorCode(err))
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
