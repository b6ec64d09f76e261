package gateway

import (
	"errors"
	"net/url"
	"unicode"
)

// decodeTOTPForm reads the second step's form: one code, six digits from an app or a recovery
// code (letters and digits, a dash or spaces allowed), at most 32 characters.
func decodeTOTPForm(form url.Values) (string, error) {
	codes := form["code"]
	if len(codes) != 1 {
		return "", errors.New("the form must carry exactly one code")
	}
	code := codes[0]
	if code == "" || len(code) > 32 {
		return "", errors.New("a code is 6 digits or a 10-character recovery code")
	}
	for _, r := range code {
		if r > unicode.MaxASCII || !(unicode.IsLetter(r) || unicode.IsDigit(r) || r == '-' || r == ' ') {
			return "", errors.New("a code holds only letters, digits, spaces and dashes")
		}
	}
	n := normalCode(code)
	if len(n) != 6 && len(n) != recoveryLen {
		return "", errors.New("a code is 6 digits or a 10-character recovery code")
	}
	return n, nil
}
