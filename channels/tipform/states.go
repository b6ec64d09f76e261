package tipform

import "strings"

// state is a US state, district or territory, named in English and Spanish.
type state struct{ Code, En, Es string }

func (s state) Name(lang string) string {
	if lang == "es" {
		return s.Es
	}
	return s.En
}

var states = parseStates(`AL|Alabama|Alabama
AK|Alaska|Alaska
AZ|Arizona|Arizona
AR|Arkansas|Arkansas
CA|California|California
CO|Colorado|Colorado
CT|Connecticut|Connecticut
DE|Delaware|Delaware
DC|District of Columbia|Distrito de Columbia
FL|Florida|Florida
GA|Georgia|Georgia
HI|Hawaii|Hawái
ID|Idaho|Idaho
IL|Illinois|Illinois
IN|Indiana|Indiana
IA|Iowa|Iowa
KS|Kansas|Kansas
KY|Kentucky|Kentucky
LA|Louisiana|Luisiana
ME|Maine|Maine
MD|Maryland|Maryland
MA|Massachusetts|Massachusetts
MI|Michigan|Míchigan
MN|Minnesota|Minnesota
MS|Mississippi|Misisipi
MO|Missouri|Misuri
MT|Montana|Montana
NE|Nebraska|Nebraska
NV|Nevada|Nevada
NH|New Hampshire|Nuevo Hampshire
NJ|New Jersey|Nueva Jersey
NM|New Mexico|Nuevo México
NY|New York|Nueva York
NC|North Carolina|Carolina del Norte
ND|North Dakota|Dakota del Norte
OH|Ohio|Ohio
OK|Oklahoma|Oklahoma
OR|Oregon|Oregón
PA|Pennsylvania|Pensilvania
RI|Rhode Island|Rhode Island
SC|South Carolina|Carolina del Sur
SD|South Dakota|Dakota del Sur
TN|Tennessee|Tennessee
TX|Texas|Texas
UT|Utah|Utah
VT|Vermont|Vermont
VA|Virginia|Virginia
WA|Washington|Washington
WV|West Virginia|Virginia Occidental
WI|Wisconsin|Wisconsin
WY|Wyoming|Wyoming
AS|American Samoa|Samoa Americana
GU|Guam|Guam
MP|Northern Mariana Islands|Islas Marianas del Norte
PR|Puerto Rico|Puerto Rico
VI|U.S. Virgin Islands|Islas Vírgenes de EE. UU.
XX|Outside the United States|Fuera de los Estados Unidos`)

func parseStates(s string) []state {
	var out []state
	for _, l := range strings.Split(s, "\n") {
		f := strings.Split(l, "|")
		out = append(out, state{Code: f[0], En: f[1], Es: f[2]})
	}
	return out
}

func stateByCode(code string) (state, bool) {
	for _, s := range states {
		if s.Code == code {
			return s, true
		}
	}
	return state{}, false
}
