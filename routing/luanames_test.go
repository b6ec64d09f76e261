package routing_test

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/openhotline/hotline/routing"
)

// luaNames are the protocol names the scripts may spell, from the Go that defines them.
func luaNames() map[string]string {
	names := map[string]string{}
	add := func(kind string, vs ...string) {
		for _, v := range vs {
			names[v] = kind
		}
	}
	for _, c := range routing.Channels {
		add("channel", string(c))
	}
	for _, s := range []routing.State{routing.Queued, routing.Offered, routing.Active, routing.Wrapup, routing.Closed, routing.Abandoned} {
		add("state", string(s))
	}
	for _, s := range routing.Statuses {
		add("advocate status", string(s))
	}
	add("presence reason", routing.AwayMissedOffers)
	for _, d := range routing.Dispositions {
		add("disposition", string(d))
	}
	add("direction", string(routing.In), string(routing.Out), string(routing.System))
	add("message status", routing.StatusQueued, routing.StatusSent, routing.StatusDelivered, routing.StatusFailed,
		routing.StatusUndelivered, routing.StatusBlocked)
	add("tag", routing.TagRelay, routing.TagUrgent, routing.TagMinor, routing.TagDanger, routing.TagInterpreter, routing.TagQuickExit)
	add("event", routing.EvQueued, routing.EvOffer, routing.EvOfferGone, routing.EvAssigned, routing.EvMessage, routing.EvStatus,
		routing.EvTyping, routing.EvWrapup, routing.EvClosed, routing.EvAbandoned, routing.EvTransferred, routing.EvUpdated,
		routing.EvEscalated, routing.EvPresence)
	return names
}

// luaWords are the scripts' own words: hash fields, key names, script modes, offer-withdrawal
// reasons and error codes (the Go beside the scripts reads some of them back). A word here must not also be
// a protocol name, or a renamed Go name could hide behind it.
var luaWords = []string{
	"abandon", "accepted", "adv", "answered", "arrived", "advconvs", "advoffers", "advocate", "ans", "answer", "arr", "advs", "at", "att", "avail",
	"cap", "ch", "ckey", "classes", "close", "cls", "conflict", "contact", "conv", "count", "created", "dead",
	"decline", "decline_retry", "declined", "dedupe", "delivery", "disabled", "disp", "drop", "dup", "en", "end", "ended", "esc", "escalate", "escalated",
	"events", "expired", "fanout", "forbidden", "handle", "id", "invalid", "lang", "langs", "lease", "maxlen", "meta",
	"missed", "msgs", "mstatus", "none", "notfound", "note", "offers", "ok", "open", "outbox", "prio",
	"purge", "reason", "relay_to", "renew", "resby", "resv", "retention", "retry", "score", "settings", "state", "status", "string", "sum", "tags", "take", "taken", "text",
	"text_to", "thread", "timers", "transferred", "und", "unknown", "ver", "vmissed", "voice_to", "why",
}

// TestLuaSpellsGoNames: every word the Lua scripts quote is either a protocol name defined in Go
// or one of the scripts' own words, so a name renamed in Go and not in the scripts fails here.
func TestLuaSpellsGoNames(t *testing.T) {
	names := luaNames()
	for _, w := range luaWords {
		if kind, ok := names[w]; ok {
			t.Errorf("luaWords has %q, which is also a Go %s: take it out of luaWords", w, kind)
		}
	}
	files, err := filepath.Glob(filepath.Join("lua", "*.lua"))
	if err != nil || len(files) < 10 {
		t.Fatalf("found %d Lua files (err %v): the test is not looking at the scripts", len(files), err)
	}
	word := regexp.MustCompile(`'([a-z][a-z0-9_.]*)'|"([a-z][a-z0-9_.]*)"`)
	seen := 0
	for _, f := range files {
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for i, line := range strings.Split(string(src), "\n") {
			code, _, _ := strings.Cut(line, "--")
			for _, m := range word.FindAllStringSubmatch(code, -1) {
				w := m[1] + m[2]
				seen++
				if len(w) == 1 {
					continue // one-letter stream and hash fields: storage, not names
				}
				if _, ok := names[w]; !ok && !slices.Contains(luaWords, w) {
					t.Errorf("%s:%d quotes %q: neither a name defined in Go (routing) nor one of luaWords", f, i+1, w)
				}
			}
		}
	}
	if seen < 100 {
		t.Fatalf("saw %d quoted words: the pattern is not matching the scripts", seen)
	}
}

// TestLuaHistogramBounds: lib.lua keeps the histograms with the bounds Go reads them by.
func TestLuaHistogramBounds(t *testing.T) {
	src, err := os.ReadFile(filepath.Join("lua", "lib.lua"))
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^local BUCKETS = \{([^}]*)\}`).FindSubmatch(src)
	if m == nil {
		t.Fatal("lib.lua has no line `local BUCKETS = {…}`")
	}
	var got []float64
	for f := range strings.SplitSeq(string(m[1]), ",") {
		v, err := strconv.ParseFloat(strings.TrimSpace(f), 64)
		if err != nil {
			t.Fatalf("lib.lua BUCKETS: %q is not a number", f)
		}
		got = append(got, v)
	}
	if !slices.Equal(got, routing.HistogramBounds) {
		t.Errorf("lib.lua BUCKETS = %v, routing.HistogramBounds = %v: keep them the same", got, routing.HistogramBounds)
	}
}
