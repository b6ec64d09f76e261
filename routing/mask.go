package routing

import (
	"strings"
	"unicode"
)

// MaskContact hides a contact address: a phone number keeps its last four digits ("•••• 7788"),
// an email address its first letter and domain ("m•••@example.org"), anything else is hidden. Consoles,
// the case desk's blocklist and event data all mask with it.
func MaskContact(addr string) string {
	addr = strings.TrimSpace(addr)
	if addr == "" {
		return ""
	}
	if at := strings.LastIndexByte(addr, '@'); at > 0 && !strings.Contains(addr, ":") {
		first := []rune(addr[:at])[0]
		return string(first) + "•••@" + addr[at+1:]
	}
	var digits []rune
	for _, r := range addr {
		if unicode.IsDigit(r) {
			digits = append(digits, r)
		}
	}
	if len(digits) >= 4 && !strings.Contains(addr, ":") {
		return "•••• " + string(digits[len(digits)-4:])
	}
	return "••••"
}
