package directory

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/openhotline/hotline/routing"
	"github.com/openhotline/hotline/routing/routingtest"
)

func newStore(t *testing.T) (*Store, *routing.Engine) {
	t.Helper()
	e := routingtest.Engine(t, routing.Config{})
	return New(e), e
}

var shelter = Entry{Name: "Casa Segura Shelter", Phone: "1-555-010-0000", States: []string{"TX"}, Cities: []string{"Houston"},
	Services: []string{"Shelter", "case management"}, Languages: []string{"en", "es"}, Populations: []string{"women"},
	Notes: "Address given by phone only.", Confidential: true}

var national = Entry{Name: "National Human Trafficking Hotline", Phone: "1-888-373-7888", States: []string{"national"},
	Services: []string{"crisis intervention", "referral"}, Languages: []string{"en", "interpreters"}}

func TestSeedOnceThenEditsStay(t *testing.T) {
	ctx := context.Background()
	s, _ := newStore(t)
	if err := s.Seed(ctx, []Entry{{ID: ID(national.Name), Name: national.Name, Phone: national.Phone, States: national.States}}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Delete(ctx, ID(national.Name)); err != nil {
		t.Fatal(err)
	}
	if err := s.Seed(ctx, []Entry{national}); err != nil {
		t.Fatal(err)
	}
	if _, all, _ := s.All(ctx); len(all) != 0 {
		t.Fatalf("a second start seeded the directory again: %d entries, want the admin's empty directory", len(all))
	}
}

func TestCreateUpdateDeleteAndSearch(t *testing.T) {
	ctx := context.Background()
	s, _ := newStore(t)
	a, err := s.Create(ctx, shelter)
	if err != nil {
		t.Fatal(err)
	}
	if a.ID != "casa-segura-shelter" || a.States[0] != "tx" || a.Services[0] != "shelter" {
		t.Fatalf("created %+v: want the id of the name and lower-case codes", a)
	}
	if _, err := s.Create(ctx, shelter); routing.ErrorCode(err) != routing.EConflict {
		t.Fatalf("the same name twice: %v, want EConflict", err)
	}
	if _, err := s.Create(ctx, national); err != nil {
		t.Fatal(err)
	}
	res, err := s.Search(ctx, Query{State: "tx", Language: "vi"})
	if err != nil || res.Total != 1 || res.Entries[0].Name != national.Name {
		t.Fatalf("Texas in Vietnamese: %+v %v, want the national line with interpreters only", res, err)
	}
	res, _ = s.Search(ctx, Query{Text: "case manag", State: "TX"})
	if res.Total != 1 || res.Entries[0].ID != a.ID {
		t.Fatalf("text 'case manag' in TX: %+v", res)
	}
	if res.Facets["city"][0] != (Count{Value: "Houston", Count: 1}) {
		t.Fatalf("city facet %+v", res.Facets["city"])
	}
	a.Name = "Casa Segura"
	if _, err := s.Update(ctx, a); err != nil {
		t.Fatal(err)
	}
	got, _ := s.Get(ctx, "casa-segura-shelter")
	if got.Name != "Casa Segura" {
		t.Fatalf("renamed entry %+v: want the new name under the old id", got)
	}
	if _, err := s.Delete(ctx, a.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Update(ctx, a); routing.ErrorCode(err) != routing.ENotFound {
		t.Fatalf("update of a deleted entry: %v, want ENotFound", err)
	}
}

// An edit through one process's store is seen by another's next search, without a restart.
func TestEditSeenByAnotherProcess(t *testing.T) {
	ctx := context.Background()
	s1, e := newStore(t)
	s2 := New(e)
	if _, err := s1.Create(ctx, national); err != nil {
		t.Fatal(err)
	}
	if res, _ := s2.Search(ctx, Query{Text: "shelter"}); res.Total != 0 {
		t.Fatalf("before: %d", res.Total)
	}
	if _, err := s1.Create(ctx, shelter); err != nil {
		t.Fatal(err)
	}
	routingtest.Eventually(t, 10*time.Second, "the other process's search to find the new shelter", func() bool {
		res, err := s2.Search(ctx, Query{Text: "shelter"})
		return err == nil && res.Total == 1
	})
}

// A search after another process's edit is answered from the index in memory while the new one
// is built, never made to wait for the build; an edit through this process is seen by its own
// next search at once, even while a rebuild for someone else's edit is still under way.
func TestSearchesNeverWaitForARebuild(t *testing.T) {
	ctx := context.Background()
	s1, e := newStore(t)
	s2 := New(e)
	if _, err := s1.Create(ctx, national); err != nil {
		t.Fatal(err)
	}
	if res, err := s2.Search(ctx, Query{}); err != nil || res.Total != 1 {
		t.Fatalf("first search: %+v %v", res, err)
	}
	release, held := make(chan struct{}), make(chan struct{}, 1)
	s2.beforeRebuild = func() {
		select {
		case held <- struct{}{}:
		default:
		}
		<-release
	}
	if _, err := s1.Create(ctx, shelter); err != nil {
		t.Fatal(err)
	}
	answered := make(chan Result, 1)
	go func() {
		res, _ := s2.Search(ctx, Query{Text: "shelter"})
		answered <- res
	}()
	select {
	case res := <-answered:
		if res.Total != 0 {
			t.Fatalf("while the rebuild is held: %d results, want the index in memory (none)", res.Total)
		}
	case <-time.After(10 * time.Second):
		close(release)
		t.Fatal("a search waited for the rebuild of the index")
	}
	<-held // the rebuild is under way, and held

	// An edit through s2 itself is seen by s2's next search without waiting for the held rebuild.
	legal := Entry{Name: "Legal Aid of the Gulf", Phone: "1-555-010-0001", States: []string{"TX"}, Services: []string{"legal"}}
	if _, err := s2.Create(ctx, legal); err != nil {
		t.Fatal(err)
	}
	if res, err := s2.Search(ctx, Query{State: "tx"}); err != nil || res.Total != 3 {
		t.Fatalf("the writer's own next search: %d results %v, want the national line, the shelter and its new entry", res.Total, err)
	}
	close(release)
	routingtest.Eventually(t, 10*time.Second, "the held rebuild to end", func() bool {
		res, err := s2.Search(ctx, Query{State: "tx"})
		return err == nil && res.Total == 3
	})
}

func TestCSVRoundTripTenThousand(t *testing.T) {
	ctx := context.Background()
	s, _ := newStore(t)
	in := Synthetic(10000, 1)
	in[0].Phone = "+1 555 0100" // a value a spreadsheet would take for a formula
	in[1].Notes = "=HYPERLINK(\"http://x\")"
	var buf bytes.Buffer
	if err := WriteCSV(&buf, in); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(buf.String(), "\n=HYP") || !strings.Contains(buf.String(), "'=HYPERLINK") {
		t.Fatal("a formula went out unguarded")
	}
	read, err := ReadCSV(&buf)
	if err != nil {
		t.Fatal(err)
	}
	st, err := s.Import(ctx, read, Replace)
	if err != nil || st.Added != 10000 {
		t.Fatalf("import: %+v %v", st, err)
	}
	_, all, _ := s.All(ctx)
	idx := Build(0, all)
	for _, want := range in {
		got, ok := idx.Entry(want.ID)
		if !ok || !entryEqual(got, want) {
			t.Fatalf("entry %s came back as %+v, want %+v", want.ID, got, want)
		}
	}
}

func entryEqual(a, b Entry) bool {
	var x, y bytes.Buffer
	WriteCSV(&x, []Entry{a})
	WriteCSV(&y, []Entry{b})
	return x.String() == y.String()
}

func TestBadRowRefusesTheWholeImport(t *testing.T) {
	ctx := context.Background()
	s, _ := newStore(t)
	if _, err := s.Create(ctx, national); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	entries := Synthetic(20, 2)
	WriteCSV(&buf, entries)
	lines := strings.Split(buf.String(), "\n")
	lines[7] = strings.Replace(lines[7], "https://", "ftp://", 1) // row 7 of the file
	_, err := ReadCSV(strings.NewReader(strings.Join(lines, "\n")))
	var ie *ImportError
	if !errors.As(err, &ie) || len(ie.Rows) != 1 || ie.Rows[0].Row != 8 || !strings.Contains(ie.Rows[0].Err, "site") {
		t.Fatalf("error %v: want row 8's site named", err)
	}
	if _, all, _ := s.All(ctx); len(all) != 1 {
		t.Fatalf("%d entries after a refused import, want the one there was", len(all))
	}
}

func TestMergeKeepsOthersAndIDs(t *testing.T) {
	ctx := context.Background()
	s, _ := newStore(t)
	s.Create(ctx, national)
	s.Create(ctx, shelter)
	changed := shelter
	changed.ID, changed.Phone = "", "1-555-010-9999"
	changed.Normalize()
	st, err := s.Import(ctx, []Entry{changed, {Name: "New Place", Phone: "1", States: []string{"ca"}}}, Merge)
	if err != nil || st.Updated != 1 || st.Added != 1 || st.Total != 3 {
		t.Fatalf("merge: %+v %v", st, err)
	}
	got, _ := s.Get(ctx, "casa-segura-shelter")
	if got.Phone != "1-555-010-9999" {
		t.Fatalf("merged by name: %+v", got)
	}
}

func TestCannedReplies(t *testing.T) {
	ctx := context.Background()
	s, _ := newStore(t)
	seed := []Canned{{Key: "safe", Texts: map[string]CannedText{"en": {Text: "Are you safe?"}, "es": {Text: "¿Está en un lugar seguro?"}}}}
	if err := s.SeedCanned(ctx, seed); err != nil {
		t.Fatal(err)
	}
	if _, err := s.PutCanned(ctx, Canned{Key: "Bad Key", Texts: seed[0].Texts}); routing.ErrorCode(err) != routing.EInvalid {
		t.Fatalf("bad key: %v", err)
	}
	c := seed[0]
	c.Texts["es"] = CannedText{Title: "Seguridad", Text: "¿Puede hablar ahora?"}
	if existed, err := s.PutCanned(ctx, c); err != nil || !existed {
		t.Fatal(existed, err)
	}
	all, _ := s.CannedReplies(ctx)
	if len(all) != 1 || all[0].Texts["es"].Title != "Seguridad" || all[0].Texts["en"].Title != "Are you safe?" {
		t.Fatalf("canned replies %+v", all)
	}
	if err := s.DeleteCanned(ctx, "safe"); err != nil {
		t.Fatal(err)
	}
	if err := s.SeedCanned(ctx, seed); err != nil {
		t.Fatal(err)
	}
	if all, _ := s.CannedReplies(ctx); len(all) != 0 {
		t.Fatal("canned replies were seeded twice")
	}
}

func FuzzReadCSV(f *testing.F) {
	var buf bytes.Buffer
	WriteCSV(&buf, Synthetic(3, 3))
	f.Add(buf.String())
	f.Add(strings.Join(Columns, ",") + "\n\"a,b\n")
	f.Add("id,name\n")
	f.Fuzz(func(t *testing.T, s string) {
		entries, err := ReadCSV(strings.NewReader(s))
		if err != nil {
			var ie *ImportError
			if !errors.As(err, &ie) || len(ie.Rows) == 0 {
				t.Fatalf("error %v is no row-numbered ImportError", err)
			}
			return
		}
		for _, e := range entries {
			if err := e.Validate(); err != nil {
				t.Fatalf("accepted an invalid entry %+v: %v", e, err)
			}
		}
	})
}
