package email

import (
	"regexp"
	"strings"
)

// Quoted reply history is cut where a mail client starts it, in the languages the hotline hears
// most. Forwarded messages are never cut: what someone forwards is the content.
var (
	attribution = regexp.MustCompile(`(?i)^\s*(on|el|le|am|em|il)\s.{4,300}\s(wrote|escribió|escribio|a écrit|schrieb|escreveu|ha scritto)\s*:?\s*$`)
	separator   = regexp.MustCompile(`(?i)^\s*-{2,}\s*(original message|mensaje original|message d'origine|mensagem original)\s*-{2,}\s*$`)
	outlookRule = regexp.MustCompile(`^\s*_{10,}\s*$`)
	outlookFrom = regexp.MustCompile(`(?i)^\s*(from|de|von)\s*:\s*\S`)
)

// trimQuoted removes the quoted history a reply carries below the new text. It trims only when
// new text remains above the history; interleaved replies are left whole.
func trimQuoted(text string) (string, bool) {
	lines := strings.Split(text, "\n")
	cut := -1
	for i, l := range lines {
		next := ""
		if i+1 < len(lines) {
			next = lines[i+1]
		}
		switch {
		case isAttribution(l) && quotedFrom(lines, i+1),
			// Gmail wraps long attributions onto two lines.
			isAttribution(l+" "+next) && !isAttribution(next) && quotedFrom(lines, i+2),
			separator.MatchString(l),
			outlookRule.MatchString(l) && outlookFrom.MatchString(next):
			cut = i
		}
		if cut >= 0 {
			break
		}
	}
	if cut < 0 {
		cut = trailingQuote(lines)
	}
	if cut < 0 {
		return text, false
	}
	kept := strings.TrimRight(strings.Join(lines[:cut], "\n"), " \t\n")
	if strings.TrimSpace(kept) == "" {
		return text, false
	}
	return kept, true
}

// isAttribution tells "On Mon, 3 Nov 2026 … <a@b> wrote:" from a sentence that merely ends in
// "wrote": a real one carries a date.
func isAttribution(l string) bool {
	return attribution.MatchString(l) && strings.ContainsAny(l, "0123456789")
}

// quotedFrom reports whether the first non-blank line from i on is quoted with ">".
func quotedFrom(lines []string, i int) bool {
	for ; i < len(lines); i++ {
		if t := strings.TrimSpace(lines[i]); t != "" {
			return strings.HasPrefix(t, ">")
		}
	}
	return false
}

// trailingQuote returns where a final block of "> " lines starts, or -1.
func trailingQuote(lines []string) int {
	end := len(lines)
	for end > 0 && strings.TrimSpace(lines[end-1]) == "" {
		end--
	}
	start := end
	for start > 0 && (strings.HasPrefix(lines[start-1], ">") || (strings.TrimSpace(lines[start-1]) == "" && start-1 > 0 && strings.HasPrefix(lines[start-2], ">"))) {
		start--
	}
	if start == end {
		return -1
	}
	return start
}
