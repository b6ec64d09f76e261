package twilio

// SegmentInfo says how an SMS body travels: its encoding and how many segments (billed parts) it
// takes.
type SegmentInfo struct {
	Encoding string // "GSM-7" or "UCS-2"
	Units    int    // septets for GSM-7 (escaped characters count two), UTF-16 code units for UCS-2
	Count    int    // segments; 0 for an empty body
	PerPart  int    // characters per segment at this length: 160/153 (GSM-7) or 70/67 (UCS-2)
}

// gsmBasic is the GSM 03.38 default alphabet; gsmExtended needs an escape (two septets).
const (
	gsmBasic = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?" +
		"¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
	gsmExtended = "^{}\\[~]|€\f"
)

// Segments counts the segments Twilio will send body in: GSM-7 when every character is in the
// GSM alphabet (160 per single part, 153 per part of a longer one), otherwise UCS-2 (70, or 67 per
// part; characters outside the BMP such as emoji take two units).
func Segments(body string) SegmentInfo {
	gsm, ucs := 0, 0
	isGSM := true
	for _, r := range body {
		switch {
		case containsRune(gsmBasic, r):
			gsm++
		case containsRune(gsmExtended, r):
			gsm += 2
		default:
			isGSM = false
		}
		if r > 0xFFFF {
			ucs += 2
		} else {
			ucs++
		}
	}
	if isGSM {
		return split("GSM-7", gsm, 160, 153)
	}
	return split("UCS-2", ucs, 70, 67)
}

func split(enc string, units, single, multi int) SegmentInfo {
	info := SegmentInfo{Encoding: enc, Units: units, PerPart: single}
	switch {
	case units == 0:
	case units <= single:
		info.Count = 1
	default:
		info.PerPart = multi
		info.Count = (units + multi - 1) / multi
	}
	return info
}

func containsRune(set string, r rune) bool {
	for _, c := range set {
		if c == r {
			return true
		}
	}
	return false
}
