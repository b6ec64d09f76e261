package locales

import (
	"strings"

	"github.com/openhotline/hotline/config"
)

// Hotline is what every text may say about the hotline itself. It comes from the configuration
// (HOTLINE_NAME, HOTLINE_NAMES, HOTLINE_PHONE, HOTLINE_SMS_SHORT_CODE) and from nowhere else, so
// that an operator renames the service or changes its number in one place.
type Hotline struct {
	Name      string            // the name, in any language Names does not cover
	Names     map[string]string // language → the name in that language
	Phone     string            // the number people call, as it is written for them
	ShortCode string            // the number people text
}

// HotlineOf takes the hotline's name and numbers from c.
func HotlineOf(c config.Config) Hotline {
	return Hotline{Name: c.Hotline.Name, Names: c.Hotline.Names, Phone: c.Hotline.Phone, ShortCode: c.Twilio.ShortCode}
}

// name is the hotline's name in lang.
func (h Hotline) name(lang string) string {
	if n := h.Names[lang]; n != "" {
		return n
	}
	base, _, _ := strings.Cut(lang, "-") // es-MX says the Spanish name
	if n := h.Names[base]; n != "" {
		return n
	}
	return h.Name
}

// Default is the catalog of the embedded files on the configuration's defaults: for tests and
// for channels built without one. The defaults are config's, so they are written only there.
func Default() (*Catalog, error) {
	c, err := config.Load(func(string) string { return "" })
	if err != nil {
		return nil, err
	}
	return New(HotlineOf(c))
}

// Hotline is the hotline's name and numbers the catalog's texts say: a channel needing the
// short code or the phone number itself (a reply's sender) reads them here, not a default of
// its own.
func (c *Catalog) Hotline() Hotline { return c.hotline }

// NameIn is the hotline's name in lang, as texts in that language say it.
func (h Hotline) NameIn(lang string) string { return h.name(lang) }
