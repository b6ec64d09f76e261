package directory

import (
	"fmt"
	"math/rand/v2"
)

// Synthetic makes n made-up, valid entries with realistic spreads of states, cities, services,
// languages and populations, the same for the same seed: for the benchmark and tests at the size
// of a real directory.
func Synthetic(n int, seed uint64) []Entry {
	r := rand.New(rand.NewPCG(seed, 7))
	states := []string{"tx", "ca", "ny", "fl", "il", "wa", "ga", "az", "oh", "nc", "mi", "nj", "va", "co", "or", "mn"}
	cities := []string{"Houston", "Dallas", "Austin", "Los Angeles", "Oakland", "New York", "Miami", "Chicago", "Seattle", "Atlanta",
		"Phoenix", "Columbus", "Charlotte", "Detroit", "Newark", "Richmond", "Denver", "Portland", "Minneapolis", "El Paso"}
	services := []string{"shelter", "legal", "medical", "counseling", "case management", "immigration", "housing", "food",
		"employment", "translation", "law enforcement", "substance use", "education", "transportation", "crisis intervention"}
	langs := []string{"en", "es", "zh", "vi", "ko", "tl", "ar", "ru", "fr", "ht", "pt", Interpreters}
	pops := []string{"youth", "adults", "women", "men", "lgbtq+", "families", "foreign nationals", "survivors of labor trafficking"}
	words := []string{"Center", "Alliance", "Coalition", "Services", "Project", "Network", "House", "Clinic", "Legal Aid", "Outreach"}
	pick := func(l []string, k int) []string {
		out := make([]string, 0, k)
		for _, i := range r.Perm(len(l))[:k] {
			out = append(out, l[i])
		}
		return out
	}
	out := make([]Entry, n)
	for i := range out {
		st := pick(states, 1+r.IntN(2))
		if r.IntN(40) == 0 {
			st = []string{National}
		}
		name := fmt.Sprintf("%s %s %s %d", pick(cities, 1)[0], pick(services, 1)[0], pick(words, 1)[0], i)
		out[i] = Entry{ID: ID(name), Name: name, Phone: fmt.Sprintf("1-555-%03d-%04d", i/10000%1000, i%10000),
			Email: fmt.Sprintf("intake%d@example.org", i), Site: fmt.Sprintf("https://example.org/%d", i),
			States: st, Cities: pick(cities, 1+r.IntN(2)), Services: pick(services, 1+r.IntN(4)),
			Languages: append([]string{"en"}, pick(langs[1:], r.IntN(3))...), Hours: "Mon-Fri 9am-5pm",
			Populations: pick(pops, 1+r.IntN(3)), Notes: "Walk-ins welcome; call ahead for " + pick(services, 1)[0] + ".",
			Confidential: r.IntN(10) == 0}
		out[i].Normalize()
	}
	return out
}
