package cases

import "strings"

// usStates maps the names of the US states, the District and the territories to their postal
// codes: the contact record's state is typed freely, and the long-lived figures keep only a code
// (or "other"), never what was typed.
var usStates = map[string]string{
	"alabama": "AL", "alaska": "AK", "arizona": "AZ", "arkansas": "AR", "california": "CA",
	"colorado": "CO", "connecticut": "CT", "delaware": "DE", "district of columbia": "DC",
	"florida": "FL", "georgia": "GA", "hawaii": "HI", "idaho": "ID", "illinois": "IL",
	"indiana": "IN", "iowa": "IA", "kansas": "KS", "kentucky": "KY", "louisiana": "LA",
	"maine": "ME", "maryland": "MD", "massachusetts": "MA", "michigan": "MI", "minnesota": "MN",
	"mississippi": "MS", "missouri": "MO", "montana": "MT", "nebraska": "NE", "nevada": "NV",
	"new hampshire": "NH", "new jersey": "NJ", "new mexico": "NM", "new york": "NY",
	"north carolina": "NC", "north dakota": "ND", "ohio": "OH", "oklahoma": "OK", "oregon": "OR",
	"pennsylvania": "PA", "rhode island": "RI", "south carolina": "SC", "south dakota": "SD",
	"tennessee": "TN", "texas": "TX", "utah": "UT", "vermont": "VT", "virginia": "VA",
	"washington": "WA", "west virginia": "WV", "wisconsin": "WI", "wyoming": "WY",
	"american samoa": "AS", "guam": "GU", "northern mariana islands": "MP", "puerto rico": "PR",
	"u.s. virgin islands": "VI", "us virgin islands": "VI", "virgin islands": "VI",
	"washington dc": "DC", "washington, dc": "DC", "washington d.c.": "DC",
}

// stateCode returns the postal code of a typed state (a code or a name, any case), "" for
// nothing typed and "other" for anything else.
func stateCode(typed string) string {
	s := strings.ToLower(strings.Join(strings.Fields(typed), " "))
	if s == "" {
		return ""
	}
	if code, ok := usStates[s]; ok {
		return code
	}
	up := strings.ToUpper(s)
	for _, code := range usStates {
		if code == up {
			return code
		}
	}
	return "other"
}
